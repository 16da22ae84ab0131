import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { sentinelOptions } from "../../src/queue/redis.ts";

const base = { LABOPS_CONFIG: "/dev/null" };

describe("Redis Sentinel settings", () => {
  it("reads the sentinels, the master name and waits for one replica by default", () => {
    const c = loadConfig({ ...base, REDIS_URL: "redis://:s3cret-pass@ignored:6379/2", REDIS_SENTINELS: "10.0.0.1:26379, sentinel-b:26380", REDIS_SENTINEL_MASTER: "labops", REDIS_SENTINEL_PASSWORD: "sentinel-secret" });
    expect(c.redis.sentinels).toEqual([{ host: "10.0.0.1", port: 26379 }, { host: "sentinel-b", port: 26380 }]);
    expect(c.redis.sentinelMaster).toBe("labops");
    expect(c.redis.waitReplicas).toBe(1);
    expect(c.secrets).toContain("sentinel-secret");
    const o = sentinelOptions(c.redis);
    expect(o).toMatchObject({ name: "labops", password: "s3cret-pass", db: 2, sentinelPassword: "sentinel-secret" });
  });

  it("waits for no replica without Sentinel unless told, and refuses sentinels without a master name", () => {
    expect(loadConfig(base).redis.waitReplicas).toBe(0);
    expect(loadConfig({ ...base, REDIS_WAIT_REPLICAS: "2" }).redis.waitReplicas).toBe(2);
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: "10.0.0.1:26379" })).toThrow(/REDIS_SENTINEL_MASTER: required/);
    expect(() => loadConfig({ ...base, REDIS_SENTINELS: "10.0.0.1", REDIS_SENTINEL_MASTER: "m" })).toThrow(/REDIS_SENTINELS: must be host:port/);
  });
});
