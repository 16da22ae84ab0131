import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIT_RECORD_LUA, AuditLog } from "../../src/core/audit-log.ts";
import { RedisScript } from "../../src/queue/redis-script.ts";

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { maxRetriesPerRequest: 1 });
const prefix = `labops-test-audit-${randomUUID().slice(0, 8)}`;
const CAP = 10_000;
const log = new AuditLog(redis, prefix, CAP, new RedisScript(AUDIT_RECORD_LUA));

/** Commands of one kind the server has run (INFO commandstats), to see which way a query went. */
async function calls(cmd: string): Promise<number> {
  const info = await redis.info("commandstats");
  return Number(new RegExp(`cmdstat_${cmd}:calls=(\\d+)`).exec(info)?.[1] ?? 0);
}

beforeAll(async () => {
  // The audit trail at its cap: 10,000 entries, of which 5 are about vaultwarden, spread through it.
  const pipe = redis.pipeline();
  for (let i = 0; i < CAP; i++) {
    const target = i % 2000 === 7 ? "app:vaultwarden" : `app:app${i % 50}`;
    pipe.xadd(log.key, "*", "at", String(i), "event", "command", "command", "deploy", "target", target, "jobId", `j${i}`);
  }
  await pipe.exec();
}, 30_000);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
});

describe("the audit trail indexed by target", () => {
  it("answers a filtered /history from the target's index, newest first, without scanning the stream", async () => {
    for (let i = 0; i < 3; i++) await log.record({ event: "command", command: "deploy", target: "app:vaultwarden", jobId: `new${i}` });
    const scans = await calls("xrevrange");
    const short = await log.recent({ target: "vaultwarden", limit: 20 });
    const full = await log.recent({ target: "app:vaultwarden", limit: 2 });
    expect(await calls("xrevrange")).toBe(scans);
    // Only entries recorded with the index are in it (the 5 seeded before it are found by a scan, below).
    expect(short.map((e) => e.jobId)).toEqual(["new2", "new1", "new0"]);
    expect(full.map((e) => e.jobId)).toEqual(["new2", "new1"]);
  });

  it("falls back to a scan for a target recorded before the index existed, and finds every entry", async () => {
    const old = await log.recent({ target: "app7", limit: 20 });
    expect(old).toHaveLength(20);
    expect(old.every((e) => e.target === "app:app7")).toBe(true);
  });

  it("skips ids whose entry the stream's cap has trimmed", async () => {
    const small = new AuditLog(redis, `${prefix}:small`, 10, new RedisScript(AUDIT_RECORD_LUA));
    for (let i = 0; i < 40; i++) await small.record({ event: "command", target: i % 2 ? "app:grafana" : "app:traefik", jobId: `s${i}` });
    await redis.xtrim(small.key, "MAXLEN", 10);
    const got = await small.recent({ target: "grafana", limit: 20 });
    expect(got.map((e) => e.jobId)).toEqual(["s39", "s37", "s35", "s33", "s31"]);
  });
});
