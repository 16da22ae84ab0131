import { Redis } from "ioredis";

/**
 * Producer connections fail fast: no offline queue, one try per command, so a person is told within a
 * second that the queue is unavailable. Worker connections wait and reconnect forever (BullMQ requires
 * `maxRetriesPerRequest: null` for its blocking commands).
 */
export function createRedis(url: string, kind: "producer" | "worker"): Redis {
  const common = {
    lazyConnect: false,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 200, 2_000),
  };
  return kind === "producer"
    ? new Redis(url, { ...common, enableOfflineQueue: false, maxRetriesPerRequest: 1 })
    : new Redis(url, { ...common, maxRetriesPerRequest: null, enableReadyCheck: true });
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
