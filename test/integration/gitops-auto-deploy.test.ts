import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isFinalState, renderText } from "../../src/core/message.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { commitToRemote } from "../helpers/git-commit.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";

describe("gitops.autoDeploy: a commit deploys exactly the apps it changed, behind their locks; a force-push deploys nothing", () => {
  let h: Harness;
  const inGitops = (m: Recorded) => m.ref.channel === "gitops";
  const last = (m: Recorded) => m.history.at(-1)!;
  const finalSyncTo = (sha: string) => h.notifier.waitFor((m) => inGitops(m) && isFinalState(last(m).state) && last(m).title.includes(`→ ${sha.slice(0, 8)}`), 40_000).then(last);
  const deployJobs = async () => (await h.labops.queue.queue.getJobs(["completed", "failed", "active", "waiting", "delayed", "prioritized"])).filter((j) => j.name === "aap.deploy");
  const masterDeploys = () => h.lab.aap.launches().filter((l) => l.templateName === "Master Deploy").map((l) => [l.extraVars.app, l.limit]);
  const head = () => execFileSync("git", ["--git-dir", h.lab.gitRemote, "rev-parse", "main"], { encoding: "utf8" }).trim();

  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.gitops.interval = 300;
        c.gitops.channel = "terminal:gitops";
        c.gitops.autoDeploy = true;
        c.nautobotSettings.pollInterval = 20;
      },
    });
    await waitUntil(async () => (await h.labops.workerDeps.gitops!.state.get()).rev === head(), 20_000, "the baseline revision");
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("a commit changing one app queues one deploy of that app under app:<name>, with no Deploy buttons", async () => {
    const to = commitToRemote(h.lab.gitRemote, {
      message: "traefik 3.2",
      files: { "config_contexts/app_list.yml": (t) => t.replace("image: traefik:v3.1", "image: traefik:v3.2"), "README.md": () => "docs only\n" },
    });
    const msg = await finalSyncTo(to);
    const text = renderText(msg);
    expect(msg.state, text).toBe("success");
    expect(text).toContain("app_list changed: `traefik` (image)");
    const jobId = /Deploying `traefik` automatically: job `([^`]+)`/.exec(text)?.[1];
    expect(jobId, text).toBeDefined();
    expect(text).not.toMatch(/Deploying `(?!traefik`)/);
    expect(msg.buttons ?? []).toEqual([]);

    const deployed = await h.notifier.final(jobId!, 40_000);
    expect(deployed.state, renderText(deployed)).toBe("success");
    const jobs = await deployJobs();
    expect(jobs.map((j) => [j.id, j.data.args.app, j.data.lockKey, j.data.requestId])).toEqual([[jobId, "traefik", "app:traefik", `gitops-deploy:${to}:traefik`]]);
    expect(masterDeploys()).toEqual([["traefik", "edge01"]]);
    const audit = await h.labops.ack.audit.recent({ limit: 50 });
    expect(audit.filter((e) => e.actor === "gitops" && e.command === "deploy").map((e) => [e.jobId, e.target])).toEqual([[jobId, "app:traefik"]]);

    // Further intervals see nothing new: still one deploy.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await deployJobs()).length).toBe(1);
    expect(masterDeploys().length).toBe(1);
  }, 90_000);

  it("after a force-push that changes an app, nothing deploys: Deploy buttons are offered instead", async () => {
    const to = commitToRemote(h.lab.gitRemote, {
      message: "rewritten: traefik 3.3", resetTo: "HEAD~1", force: true,
      files: { "config_contexts/app_list.yml": (t) => t.replace("image: traefik:v3.1", "image: traefik:v3.3") },
    });
    const msg = await finalSyncTo(to);
    const text = renderText(msg);
    expect(text).toContain("was force-pushed");
    expect(text).toContain("app_list changed: `traefik` (image)");
    expect(text).not.toContain("automatically");
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Deploy traefik"]);
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await deployJobs()).length).toBe(1);
    expect(masterDeploys()).toEqual([["traefik", "edge01"]]);
  }, 60_000);
});
