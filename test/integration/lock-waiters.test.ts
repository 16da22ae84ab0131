import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRedis } from "../../src/queue/redis.ts";
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from "../../lab/private-redis.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/**
 * Finding 9: jobs waiting for a target's lock cost nothing while they wait. They are woken when the lock is
 * released (no polling), send no edit while their place in line stays the same, and the line is bounded.
 * Redis commands are counted on a private redis-server (INFO stats: nothing else talks to it).
 */
const N = 10;
const HOLDER = "holder-job";
const TARGET = "app:traefik";

describe.runIf(redisServerInstalled())("jobs waiting for a lock", () => {
  let redis: PrivateRedis;
  let h: Harness;
  let counter: ReturnType<typeof createRedis>;
  const commands = async () => Number(/total_commands_processed:(\d+)/.exec(await counter.info("stats"))![1]);

  beforeAll(async () => {
    redis = await startPrivateRedis();
    counter = createRedis(redis.url, "producer");
    h = await createHarness({
      env: { REDIS_URL: redis.url },
      tweak: (c) => {
        c.limits.lockWaiters = N;
        c.limits.lockRecheck = 30_000;
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
    counter?.disconnect();
    await redis?.stop();
  });

  it(`${N} waiters for 10 s: no identical edit, no re-check, Redis quiet; the line is bounded; a release starts the next at once`, async () => {
    const locks = h.labops.worker!.locks;
    expect(await locks.acquire(TARGET, HOLDER)).toEqual({ acquired: true });
    // Baseline: the idle worker's own Redis traffic over 5 s, with the lock held and nobody waiting.
    let c0 = await commands();
    await new Promise((r) => setTimeout(r, 5_000));
    const idlePerS = ((await commands()) - c0 - 1) / 5;

    const acks = [];
    for (let i = 0; i < N; i++) acks.push(await h.run(i % 2 ? "/deploy traefik --check" : "/deploy traefik"));
    const ids = acks.map((a) => a.jobId!);
    await waitUntil(() => ids.every((id) => h.notifier.forJob(id)?.history.at(-1)?.state === "waiting"), 20_000);
    await new Promise((r) => setTimeout(r, 1_000));
    // One more is refused with a clear message: the line is full.
    const extra = await h.run("/deploy traefik");
    const refused = await h.notifier.final(extra.jobId!);
    expect(refused.state).toBe("failure");
    expect(refused.lines!.join(" ")).toContain(`${N} jobs are already waiting for \`${TARGET}\``);

    // The 10 s window.
    const before = { cmds: await commands(), acquires: locks.stats.acquire, calls: h.notifier.calls.length };
    await new Promise((r) => setTimeout(r, 10_000));
    const after = { cmds: await commands(), acquires: locks.stats.acquire, calls: h.notifier.calls.length };
    console.info(`waiting: ${N} waiters, 10 s: ${after.cmds - before.cmds} Redis commands (idle worker alone ${idlePerS.toFixed(1)}/s), ` +
      `${after.acquires - before.acquires} lock checks, ${after.calls - before.calls} chat calls`);
    expect(after.acquires - before.acquires).toBe(0);
    expect(after.calls - before.calls).toBe(0);
    // Everything together (the worker's own blocking reads and stalled checks included) stays under one command
    // per waiter per second; one polling waiter alone used to cost about 55 a second.
    expect(after.cmds - before.cmds - 1).toBeLessThan(10 * N);

    // Release: the first in line takes the lock at once (woken, not polled).
    const line = await counter.zrange(`${h.config.redis.prefix}:lockq:${TARGET}`, 0, -1);
    expect([...line].sort()).toEqual([...ids].sort());
    const t0 = Date.now();
    await locks.release(TARGET, HOLDER);
    const lockKey = `${h.config.redis.prefix}:lock:${TARGET}`;
    await waitUntil(async () => ids.includes((await counter.get(lockKey)) ?? ""), 10_000, 2);
    const handoffMs = Date.now() - t0;
    console.info(`hand-off: release → next waiter holds the lock in ${handoffMs} ms`);
    expect(await counter.get(lockKey)).toBe(line[0]);
    expect(handoffMs).toBeLessThan(1_000);

    const finals = await Promise.all(ids.map((id) => h.notifier.final(id, 60_000)));
    expect(finals.map((f) => f.state)).toEqual(ids.map(() => "success"));
    expect(h.lab.aap.maxConcurrent("Master Deploy", "traefik")).toBe(1);
    expect(h.notifier.identicalEdits()).toBe(0);
    // Each waiter's message changed only when its place in line did: every waiting line shown is distinct.
    for (const id of ids) {
      const waiting = h.notifier.forJob(id)!.history.filter((m) => m.state === "waiting").map((m) => m.lines![0]!);
      expect(new Set(waiting).size).toBe(waiting.length);
      expect(waiting.length).toBeLessThanOrEqual(line.indexOf(id) + 1);
    }
    console.info(`lock checks in all: ${locks.stats.acquire} for ${N + 1} jobs; woken ${locks.stats.woken}`);
  }, 120_000);
});

async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<void> {
  const t0 = Date.now();
  while (!(await pred())) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
