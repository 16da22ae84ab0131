import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { ThrottledNotifier } from "../../src/bot/throttled-notifier.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import type { Message } from "../../src/core/message.ts";
import { RedisRateBudget } from "../../src/queue/redis-rate-budget.ts";
import { StrictPlatform } from "../helpers/strict-platform.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const prefix = `labops-test-budget-${randomUUID().slice(0, 8)}`;
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

const running = (i: number): Message => ({ title: "job", state: "running", lines: [String(i)] });
const done: Message = { title: "job", state: "success", lines: ["done"] };
const channel: ChannelRef = { platform: "slack", channel: "C1" };

/** Two processes' notifiers (two ThrottledNotifiers) posting to one workspace, 15 jobs each with edits and a final. */
async function twoProcesses(platform: StrictPlatform, shared: boolean) {
  const budget = new RedisRateBudget(redis, `${prefix}:${randomUUID().slice(0, 6)}`);
  const opts = { perMessageMs: 40, bucketOf: () => "T1", capacity: 5, refillMs: 40, ...(shared ? { shared: { budget, scope: "slack" } } : {}) };
  const notifiers = [new ThrottledNotifier(platform, opts), new ThrottledNotifier(platform, opts)];
  await Promise.all(notifiers.flatMap((t) => Array.from({ length: 15 }, async () => {
    const ref = await t.post(channel, running(0));
    for (let i = 1; i <= 6; i++) {
      void t.edit(ref, running(i));
      await new Promise((r) => setTimeout(r, 5));
    }
    await t.edit(ref, done);
  })));
  return notifiers;
}

describe("one chat budget in Redis for every process posting to a workspace", () => {
  // The workspace allows 10 calls per 200 ms; one bucket of 5 refilled every 40 ms stays inside (5 + 200/40 = 10).
  it("two processes without a shared budget each spend the whole limit, and the platform answers 429", async () => {
    const platform = new StrictPlatform(10, 200);
    await twoProcesses(platform, false);
    expect(platform.overLimit).toBeGreaterThan(0);
    expect(platform.calls.filter((c) => c.msg.state === "success")).toHaveLength(30);
  });

  it("two processes sharing the Redis budget stay inside the workspace's limit and deliver all 30 finals", async () => {
    const platform = new StrictPlatform(10, 200);
    const [a, b] = await twoProcesses(platform, true);
    expect(platform.overLimit).toBe(0);
    expect(platform.calls.filter((c) => c.msg.state === "success")).toHaveLength(30);
    expect(a!.stats.sharedWaits + b!.stats.sharedWaits).toBeGreaterThan(0);
    expect(a!.stats.sharedErrors + b!.stats.sharedErrors).toBe(0);
  });

  it("a 429 seen by one process pauses the other too", async () => {
    const budget = new RedisRateBudget(redis, `${prefix}:pause`);
    await budget.pause("slack:T1", 300);
    const t0 = Date.now();
    expect(await budget.take("slack:T1", 5, 40)).toBeGreaterThan(200);
    const platform = new StrictPlatform(100, 1000);
    const other = new ThrottledNotifier(platform, { perMessageMs: 0, bucketOf: () => "T1", capacity: 5, refillMs: 40, shared: { budget, scope: "slack" } });
    await other.post(channel, done);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(platform.calls).toHaveLength(1);
  });

  it("when Redis does not answer, each process falls back to its own bucket and still delivers", async () => {
    const dead = new Redis("redis://127.0.0.1:1", { maxRetriesPerRequest: 0, enableOfflineQueue: false, lazyConnect: true, retryStrategy: () => null });
    const platform = new StrictPlatform(100, 1000);
    const t = new ThrottledNotifier(platform, { perMessageMs: 0, bucketOf: () => "T1", capacity: 5, refillMs: 40, shared: { budget: new RedisRateBudget(dead, prefix), scope: "slack" } });
    await t.post(channel, done);
    expect(platform.calls).toHaveLength(1);
    expect(t.stats.sharedErrors).toBe(1);
    dead.disconnect();
  });
});
