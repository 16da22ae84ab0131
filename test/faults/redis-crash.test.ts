import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction, dispatchCommand } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { addHealthRoutes } from "../../src/http/health-routes.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { startPrivateRedis, type PrivateRedis } from "../../lab/private-redis.ts";
import { createLogger } from "../../src/logger.ts";
import { readinessChecks } from "../../src/readiness-checks.ts";
import { quantile, waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const N = 300;
const UNAVAILABLE = "The job queue is unavailable right now (Redis is not answering), so nothing was queued.";

/**
 * perf-reliability C5 and P3 on a PRIVATE redis-server (AOF, appendfsync everysec; never the shared one):
 * acknowledged commands survive `kill -9` of Redis, the worker consumes again soon after Redis answers,
 * /readyz follows Redis, and commands sent while Redis is down are refused at once with nothing queued.
 */
describe("Redis kill -9 and restart (private redis-server with AOF)", () => {
  let redis: PrivateRedis;
  let h: Harness;
  let http: HttpServer;
  let base: string;
  const activeAt: number[] = [];
  const ackedIds: string[] = [];

  const send = (line: string, actor?: Actor): Promise<Message> => h.run(line, actor);
  const readyz = async () => {
    const t0 = performance.now();
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> }, ms: performance.now() - t0 };
  };
  const totalJobs = async () => {
    const c = await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  };

  beforeAll(async () => {
    redis = await startPrivateRedis({ aof: true });
    h = await createHarness({
      env: { REDIS_URL: redis.url },
      startWorker: false,
      worker: { lockDurationMs: 2_000, stalledIntervalMs: 1_000, lockRetryMs: 100 },
      // The production cooldown, so mutating commands touch Redis before the queue does.
      tweak: (c) => void (c.limits.cooldown = 5_000),
    });
    http = new HttpServer(createLogger({ level: "silent" }));
    addHealthRoutes(http, readinessChecks(h.labops), 500);
    base = await http.listen(0, "127.0.0.1");
  }, 30_000);
  afterAll(async () => {
    await http?.close();
    await h?.close();
    await redis?.stop();
  });

  it("is ready, and the worker runs a canary command, before the crash", async () => {
    const r = await readyz();
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.checks.redis).toBe("ok");
    const worker = h.labops.startWorker();
    worker.worker.on("active", () => activeAt.push(performance.now()));
    const ack = await send("/runner status");
    expect(ack.state).toBe("queued");
    expect((await h.notifier.final(ack.jobId!)).state).toBe("success");
  });

  it(`loses none of ${N} acknowledged commands across kill -9, refuses commands while down, and resumes within 5 s`, async () => {
    // N acknowledged commands, then kill -9 right after the last acknowledgement.
    for (let i = 0; i < N; i += 25) {
      const acks = await Promise.all(Array.from({ length: Math.min(25, N - i) }, () => send("/runner status")));
      for (const a of acks) {
        expect(a.state, renderText(a)).toBe("queued");
        ackedIds.push(a.jobId!);
      }
    }
    await redis.kill("SIGKILL");
    await waitUntil(() => h.labops.redis.status !== "ready" || undefined, 2_000, "the producer to notice");

    // /readyz says so while Redis is down.
    const down = await readyz();
    expect(down.status).toBe(503);
    expect(down.body.status).toBe("not ready");
    expect(down.body.checks.redis).not.toBe("ok");

    // P3: every command is answered "queue unavailable" within 1 s, whatever it touches first.
    const lines = ["/deploy traefik", "/runner status", "/runner destroy runner01", "/sync nautobot", "/cleanup-ocp", "/app list"];
    const latencies: number[] = [];
    for (let i = 0; i < 50; i++) {
      const actor: Actor = { platform: "terminal", id: `down-${i % 3}`, name: "tester", groups: [] };
      const t0 = performance.now();
      const reply = await send(lines[i % lines.length]!, actor);
      latencies.push(performance.now() - t0);
      expect(reply.state, renderText(reply)).toBe("failure");
      expect(renderText(reply)).toContain(UNAVAILABLE);
      expect(reply.jobId).toBeUndefined();
    }
    const click = await dispatchAction(h.labops.ack, { actionId: "act:AAAAAAAAAAAAAAAAAAAAAA", actor: h.admin, channel: h.channel });
    expect(renderText(click.reply!)).toContain(UNAVAILABLE);
    const p100 = Math.max(...latencies);
    console.log(`queue-unavailable reply while Redis is down: p50 ${quantile(latencies, 0.5).toFixed(2)} ms, p100 ${p100.toFixed(2)} ms over 50 commands`);
    expect(p100).toBeLessThan(1_000);

    // Restart on the same port and data directory; measure until the worker takes a job again.
    const activeBefore = activeAt.length;
    await redis.restart();
    const upAt = performance.now();
    await waitUntil(() => activeAt.length > activeBefore || undefined, 10_000, "the worker to take a job again", 5);
    const resumeMs = activeAt[activeBefore]! - upAt;
    console.log(`worker consumed again ${resumeMs.toFixed(0)} ms after Redis answered`);
    expect(resumeMs).toBeLessThan(5_000);

    // No acknowledged command lost: every one exists and completes, each with a final message.
    await waitUntil(() => h.labops.redis.status === "ready" || undefined, 5_000, "the producer to reconnect");
    await waitUntil(async () => {
      const states = await Promise.all(ackedIds.map((id) => h.labops.queue.queue.getJobState(id))).catch(() => []);
      return (states.length === N && states.every((s) => s === "completed")) || undefined;
    }, 30_000, `all ${N} jobs to complete`, 200);
    for (const id of ackedIds) expect((await h.notifier.final(id, 5_000)).state).toBe("success");
    // Nothing from the outage was queued: the canary and the N, nothing else.
    expect(await totalJobs()).toBe(N + 1);
  }, 60_000);

  it("is ready again after the restart and takes new commands", async () => {
    await waitUntil(() => h.labops.redis.status === "ready" || undefined, 5_000, "the producer to reconnect");
    const up = await readyz();
    expect(up.status).toBe(200);
    expect(up.body.status).toBe("ready");
    const ack = await dispatchCommand(h.labops.ack, { root: "runner", text: "status", actor: h.admin, channel: h.channel, requestId: randomUUID() });
    expect(ack.state).toBe("queued");
    expect((await h.notifier.final(ack.jobId!)).state).toBe("success");
  });
});
