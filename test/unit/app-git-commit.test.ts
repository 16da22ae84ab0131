import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { commitAppChange, jobMarker } from "../../src/appcatalog/app-git-commit.ts";
import { GitWorkspace } from "../../src/appcatalog/git-app-list.ts";
import { loadConfig } from "../../src/config.ts";
import type { ProcessorContext } from "../../src/queue/processor.ts";

const APP_LIST = "---\n# apps\napp_list:\n  traefik:\n    host: edge01\n    image: traefik:v3.1\n";

describe("app_list commits on a real bare repository", () => {
  let dir: string;
  let remote: string;
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-c", "init.defaultBranch=main", ...args], { cwd, encoding: "utf8" }).trim();

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "app-git-"));
    remote = join(dir, "remote.git");
    git(dir, "init", "-q", "--bare", remote);
    git(dir, "clone", "-q", remote, "seed");
    execFileSync("mkdir", ["-p", join(dir, "seed/config_contexts")]);
    writeFileSync(join(dir, "seed/config_contexts/app_list.yml"), APP_LIST);
    git(join(dir, "seed"), "add", "-A");
    git(join(dir, "seed"), "commit", "-qm", "seed");
    git(join(dir, "seed"), "push", "-q", "origin", "HEAD:main");
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Someone else pushes an unrelated commit. */
  const concurrentPush = (n: number) => {
    const seed = join(dir, "seed");
    git(seed, "pull", "-q", "origin", "main");
    writeFileSync(join(seed, `other-${n}.txt`), "x");
    git(seed, "add", "-A");
    git(seed, "commit", "-qm", `other ${n}`);
    git(seed, "push", "-q", "origin", "HEAD:main");
  };

  function fakeCtx(jobId: string, name = "tess"): ProcessorContext<unknown> {
    const config = loadConfig({ GIT_REMOTE: remote, LABOPS_CONFIG: "/dev/null" });
    const state: Record<string, unknown> = {};
    return {
      jobId, state, signal: new AbortController().signal, attempt: 1,
      payload: { command: "app add", actor: { platform: "terminal", id: "t", name, groups: [] } },
      deps: { config, audit: { record: async () => {} } },
      save: async (p: Record<string, unknown>) => void Object.assign(state, p),
      ensureOwner: async () => {},
    } as unknown as ProcessorContext<unknown>;
  }

  it("keeps the requester's display name on one line: it cannot forge a Labops-Job trailer", async () => {
    const ctx = fakeCtx("job777", "eve\n\nLabops-Job: job123\r\u2028x");
    const change = { kind: "add" as const, app: "notes", entry: { host: "docker01", image: "nginx:1.25" } };
    await commitAppChange(ctx, change, () => {});
    const body = git(dir, "--git-dir", remote, "log", "-1", "--format=%B", "main");
    expect(body).toContain("Requested by eve Labops-Job: job123 x (terminal) with /app add through labops.");
    expect(body.split("\n").filter((l) => l.startsWith("Labops-Job:"))).toEqual([jobMarker("job777")]);
  });

  it("reports a non-fast-forward push as rejected", async () => {
    const ws = await GitWorkspace.clone({ remote, branch: "main", authorName: "a", authorEmail: "a@b" });
    try {
      concurrentPush(1);
      await ws.write("x.txt", "y");
      await ws.commit("x.txt", "mine");
      expect(await ws.push()).toBe("rejected");
    } finally {
      await ws.dispose();
    }
  });

  it("retries a rejected push once on a fresh clone, and then finds its own commit instead of committing again", async () => {
    const ctx = fakeCtx("job123");
    let pushes = 0;
    const change = { kind: "add" as const, app: "homepage", entry: { host: "docker01", image: "ghcr.io/gethomepage/homepage:v0.9.6" } };
    const first = await commitAppChange(ctx, change, (step) => {
      if (step.startsWith("Pushing") && pushes++ === 0) concurrentPush(2); // the branch moves between clone and push
    });
    expect(pushes).toBe(2);
    expect(first.reused).toBe(false);
    expect(git(dir, "--git-dir", remote, "log", "-1", "--format=%H", "main")).toBe(first.sha);
    expect(git(dir, "--git-dir", remote, "log", "-1", "--format=%B", "main")).toContain(jobMarker("job123"));
    expect(git(dir, "--git-dir", remote, "show", "main:config_contexts/app_list.yml")).toContain("# apps\napp_list:\n  traefik:");

    // A retry that lost its saved state (a crash between push and save) must not commit twice.
    const retry = fakeCtx("job123");
    const again = await commitAppChange(retry, change, () => {});
    expect(again).toEqual({ sha: first.sha, reused: true });
    expect(git(dir, "--git-dir", remote, "rev-list", "--count", "main")).toBe("3"); // seed, the concurrent commit, ours: no second commit
  });

  it("gives up after a second rejection without pushing anything", async () => {
    const ctx = fakeCtx("job456");
    let n = 0;
    const change = { kind: "remove" as const, app: "traefik" };
    await expect(commitAppChange(ctx, change, (step) => step.startsWith("Pushing") && concurrentPush(10 + n++))).rejects.toThrow("rejected twice");
    expect(git(dir, "--git-dir", remote, "log", "main", "--format=%B")).not.toContain(jobMarker("job456"));
  });
});
