import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLab, type Lab } from "../../lab/create-lab.ts";
import { FakeDiscord } from "../../lab/discord/fake-discord.ts";
import { FakeSlack } from "../../lab/slack/fake-slack.ts";
import { freePort } from "../../lab/private-redis.ts";
import { Redis } from "ioredis";
import { REDIS_URL } from "../helpers/harness.ts";

/**
 * `npm start` as a user runs it: one process with Slack (Socket Mode) and Discord configured against the
 * fakes, the simulated lab as backends, real Redis. A command on each platform reaches its final message;
 * SIGTERM stops the process cleanly.
 */
describe("npm start (src/main.ts) with Slack and Discord", () => {
  let lab: Lab;
  let slack: FakeSlack;
  let discord: FakeDiscord;
  let child: ChildProcess;
  let port: number;
  let stderr = "";
  const prefix = `t-main-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    lab = await createLab({ stepMs: 20 });
    slack = new FakeSlack();
    const slackUrl = await slack.start();
    discord = new FakeDiscord();
    await discord.start();
    port = await freePort();
    const alice = discord.user("alice");
    child = spawn(process.execPath, ["--import", "tsx", "src/main.ts"], {
      env: {
        PATH: process.env.PATH, ...lab.env, ...discord.env,
        REDIS_URL, LABOPS_QUEUE_PREFIX: prefix, HTTP_PORT: String(port), LOG_LEVEL: "warn", LABOPS_CONFIG: "/dev/null",
        SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken, SLACK_API_URL: slackUrl,
        LABOPS_ADMINS: `slack:U0ALICE,discord:${alice.id}`,
      },
      stdio: ["ignore", "ignore", "pipe"],
    });
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    await slack.waitForConnection(20_000);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.ok === true, 20_000);
    await waitFor(() => discord.gateway.identifies > 0, 20_000);
  }, 60_000);

  afterAll(async () => {
    if (child.exitCode === null) child.kill("SIGKILL");
    await slack.close();
    await discord.close();
    await lab.close();
    // The process's queue, locks and audit stream live under this run's prefix: leave nothing behind.
    const redis = new Redis(REDIS_URL);
    await redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${prefix}:*`);
    redis.disconnect();
  });

  it("deploys from Slack: ack within 3 s, then one message edited to success", async () => {
    const ack = await slack.slash("/deploy", "traefik");
    expect(ack.latencyMs).toBeLessThan(3_000);
    const final = await slack.waitFor(() => slack.messages().find((m) => m.history.at(-1)!.text.includes("✅") && m.text.includes("traefik")), 30_000, "final slack message");
    expect(final.history.length).toBeGreaterThan(1);
  });

  it("deploys from Discord: deferred within 3 s, then the channel message ends green", async () => {
    const res = await discord.slash("deploy", { app: "grafana" });
    expect(res.latencyMs).toBeLessThan(3_000);
    const channel = discord.channel("ops");
    await waitFor(() => discord.messages(channel).some((m) => JSON.stringify(m.object).includes("grafana") && JSON.stringify(m.object).includes("successful")), 30_000);
  });

  it("serves /readyz and /metrics", async () => {
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
    expect(ready.status).toBe(200);
    expect(((await ready.json()) as { checks: Record<string, string> }).checks).toEqual({ redis: "ok", worker: "ok", aap: "ok", nautobot: "ok", proxmox: "ok", truenas: "ok" });
    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    expect(metrics).toMatch(/labops_commands_total\{command="deploy",outcome="queued"\} 2/);
    expect(metrics).toMatch(/labops_chat_api_calls_total\{platform="slack",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/labops_chat_api_calls_total\{platform="discord",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/labops_job_duration_seconds_count\{kind="aap.deploy",outcome="success"\} 2/);
  });

  it("stops on SIGTERM within 10 s with exit code 0", async () => {
    const t0 = Date.now();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(stderr).not.toMatch(/failed to start/);
  });
});

async function waitFor(pred: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}
