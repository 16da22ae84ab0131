import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLab, type Lab } from "../../lab/create-lab.ts";
import { REDIS_URL } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

/**
 * `npm start -- --console` as a user runs it against their systems: here the lab's fakes, started as if they
 * were real (the settings point at them; the console knows nothing of the lab). Piped input runs line by line
 * and ends with Ctrl-D; on a terminal (a pty from script(1)) there is a prompt, history and line editing, and
 * Ctrl-C ends it at once. Either way the console's Redis keys and temporary files are gone afterwards, and
 * log lines never appear in the chat view.
 */
describe.concurrent("npm start -- --console on the configured systems (the three sessions run side by side)", () => {
  let lab: Lab;
  let redis: Redis;
  const runs: { prefix: string; tmp: string }[] = [];

  beforeAll(async () => {
    lab = await createLab({ stepMs: 10 });
    redis = new Redis(REDIS_URL);
  });
  afterAll(async () => {
    for (const r of runs) rmSync(r.tmp, { recursive: true, force: true });
    redis.disconnect();
    await lab.close();
  });

  const start = (argv: string[], extra: (tmp: string) => Record<string, string> = () => ({})) => {
    const run = { prefix: `t-con-${randomUUID().slice(0, 8)}`, tmp: mkdtempSync(join(tmpdir(), "labops-console-test-")) };
    runs.push(run);
    const env = {
      PATH: process.env.PATH, HOME: process.env.HOME, ...lab.env, REDIS_URL, LABOPS_QUEUE_PREFIX: run.prefix, LABOPS_CONFIG: "/dev/null",
      LOG_LEVEL: "info", TMPDIR: run.tmp, ...extra(run.tmp),
    } as Record<string, string>;
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ["pipe", "pipe", "pipe"], detached: true });
    const out = { stdout: "", stderr: "" };
    child.stdout.on("data", (d: Buffer) => (out.stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out.stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    return { child, out, exited, run };
  };
  const leftKeys = async (prefix: string) => (await redis.keys(`${prefix}-console-*`)).length;
  /** labops' temporary directories left in the run's TMPDIR (the GitOps mirror, app_list checkouts); tsx keeps its own cache there. */
  const leftFiles = (tmp: string) => readdirSync(tmp).filter((f) => f.startsWith("labops-"));

  it("piped: runs each line in turn against the systems, exits 0 at the end of input, logs to stderr, leaves nothing behind", async () => {
    const c = start(["npm", "start", "--silent", "--", "--console"]);
    c.child.stdin.end("/labops status\n/runner status\n/deploy traefik --check\n/runner destroy nope\n");
    const code = await c.exited;
    expect(c.out.stdout).toContain("Runners: 1 (1 running)");
    expect(c.out.stdout).toMatch(/✅ Deploy traefik.*: (success|done|deployed|plan ready)/i);
    expect(c.out.stdout).toContain("No runner in Proxmox is called `nope`");
    expect(c.out.stdout).toContain("4 command(s), 1 failed.");
    expect(code).toBe(1); // the unknown runner counts as a failed command
    expect(c.out.stdout).not.toContain('"level":');
    expect(c.out.stderr).toContain('"msg":"console started"');
    // Against the lab's systems as configured: the fake AAP ran the check-mode deploy.
    expect(lab.aap.launches().some((l) => l.extraVars.app === "traefik" && l.jobType === "check")).toBe(true);
    expect(await leftKeys(c.run.prefix)).toBe(0);
    expect(leftFiles(c.run.tmp)).toEqual([]);
  }, 60_000);

  it("on a terminal: a prompt, history (up arrow) and Ctrl-C ending at once with the same clean-up; logs go to the file", async () => {
    const c = start(["script", "-qfec", "npm start --silent -- --console", "/dev/null"], (tmp) => ({ LOG_FILE: join(tmp, "console.log"), TERM: "xterm" }));
    const logPath = join(c.run.tmp, "console.log");
    await waitUntil(() => c.out.stdout.includes("labops> "), 40_000, "the prompt");
    expect(c.out.stdout).toContain("labops console on the configured systems (aap, nautobot, proxmox, truenas, github)");
    c.child.stdin.write("/runner status\r");
    await waitUntil(() => (c.out.stdout.match(/Runners: 1 \(1 running\)/g) ?? []).length >= 1, 20_000, "the first answer");
    c.child.stdin.write("\x1b[A\r"); // up arrow: the same command again, from the history
    await waitUntil(() => (c.out.stdout.match(/Runners: 1 \(1 running\)/g) ?? []).length >= 2, 20_000, "the answer from history");
    c.child.stdin.write("/deploy grafana\r");
    await waitUntil(() => c.out.stdout.includes("queued as job"), 20_000, "the deploy's acknowledgement");
    c.child.stdin.write("\x03"); // Ctrl-C
    const code = await c.exited;
    expect(code).toBe(130);
    expect(c.out.stdout).toContain("interrupted");
    expect(c.out.stdout).not.toContain('"level":');
    expect(readFileSync(logPath, "utf8")).toContain('"msg":"console started"');
    expect(await leftKeys(c.run.prefix)).toBe(0);
    expect(leftFiles(c.run.tmp)).toEqual([]);
  }, 90_000);

  it("piped, then SIGINT (Ctrl-C from a shell): ends at once without waiting for the running deploy, and cleans up as Ctrl-D does", async () => {
    const c = start([process.execPath, "--import", "tsx", "src/main.ts", "--console"]);
    c.child.stdin.write("/deploy jellyfin\n");
    await waitUntil(() => c.out.stdout.includes("queued as job"), 40_000, "the deploy's acknowledgement");
    process.kill(-c.child.pid!, "SIGINT"); // the whole process group, as a terminal's Ctrl-C
    const code = await c.exited;
    expect(code).toBe(130);
    expect(c.out.stdout).toContain("1 command(s), 0 failed; interrupted.");
    expect(await leftKeys(c.run.prefix)).toBe(0);
    expect(leftFiles(c.run.tmp)).toEqual([]);
  }, 60_000);
});
