import { Redis, type RedisOptions } from "ioredis";

/** Where Redis is: one server by URL, or the master that Redis Sentinel names. */
export interface RedisTarget {
  url: string;
  /** Sentinel addresses; when set, the URL's host and port are ignored and its password and db are kept. */
  sentinels?: { host: string; port: number }[] | undefined;
  sentinelMaster?: string | undefined;
  sentinelPassword?: string | undefined;
}

/**
 * Producer connections fail fast: no offline queue, one try per command, so a person is told within a
 * second that the queue is unavailable. Worker connections wait and reconnect forever (BullMQ requires
 * `maxRetriesPerRequest: null` for its blocking commands). With Sentinel, ioredis asks the sentinels for
 * the current master at every (re)connect, so a failover is followed without a restart.
 */
export function createRedis(target: RedisTarget | string, kind: "producer" | "worker"): Redis {
  const t = typeof target === "string" ? { url: target } : target;
  const common: RedisOptions = {
    lazyConnect: false,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  const role: RedisOptions = kind === "producer"
    ? { enableOfflineQueue: false, maxRetriesPerRequest: 1 }
    : { maxRetriesPerRequest: null, enableReadyCheck: true };
  if (!t.sentinels?.length) return new Redis(t.url, { ...common, ...role });
  return new Redis({ ...common, ...role, ...sentinelOptions(t) });
}

/** ioredis options for a Sentinel-managed master; credentials and db come from the URL. */
export function sentinelOptions(t: RedisTarget): RedisOptions {
  const u = new URL(t.url);
  const db = Number(u.pathname.replace(/^\//, "") || 0);
  return {
    sentinels: t.sentinels,
    name: t.sentinelMaster,
    sentinelPassword: t.sentinelPassword,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    // After a failover the old master may answer as a replica for a moment: reconnect instead of failing writes.
    reconnectOnError: (err) => err.message.startsWith("READONLY"),
    sentinelRetryStrategy: (times: number) => Math.min(times * 200, 2_000),
    ...(u.protocol === "rediss:" ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/** Resolves true when Redis answers PING within `timeoutMs`. */
export async function redisAnswers(url: string, timeoutMs = 1_000): Promise<boolean> {
  const r = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  r.on("error", () => {});
  try {
    await r.connect();
    return (await r.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    r.disconnect();
  }
}

/**
 * Deletes every key under `<prefix>:` (SCAN, not KEYS, so a shared Redis is never blocked): what a
 * throwaway queue (the console, the demo) leaves behind. Returns how many keys it removed.
 */
export async function removeKeys(redis: Redis, prefix: string): Promise<number> {
  let removed = 0;
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 500);
    cursor = next;
    if (keys.length) removed += await redis.unlink(...keys);
  } while (cursor !== "0");
  return removed;
}
