import type { Redis } from "ioredis";

export type LockAttempt = { acquired: true } | { acquired: false; holder: string | null; position: number };

// KEYS: lock, waiters zset. ARGV: jobId, leaseMs, nowMs, heartbeat key prefix, heartbeatMs.
// The holder re-acquires (re-entrant, lease renewed). A free lock goes to the oldest live waiter;
// waiters whose heartbeat expired (their job is gone) are dropped so they never block the line.
const ACQUIRE = `
local lock, q = KEYS[1], KEYS[2]
local id, lease, now, hbp, hbms = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5])
local holder = redis.call('GET', lock)
if holder == id then
  redis.call('PEXPIRE', lock, lease); redis.call('ZREM', q, id); return {1, id, 0}
end
if not redis.call('ZSCORE', q, id) then redis.call('ZADD', q, now, id) end
redis.call('SET', hbp .. id, '1', 'PX', hbms)
while true do
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if not head or head == id or redis.call('EXISTS', hbp .. head) == 1 then break end
  redis.call('ZREM', q, head)
end
if not holder then
  local head = redis.call('ZRANGE', q, 0, 0)[1]
  if head == id then
    redis.call('SET', lock, id, 'PX', lease); redis.call('ZREM', q, id); redis.call('DEL', hbp .. id)
    return {1, id, 0}
  end
end
return {0, holder or false, redis.call('ZRANK', q, id) + 1}
`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
redis.call('ZREM', KEYS[2], ARGV[1])
return 0
`;

/**
 * Per-target locks (`app:traefik`, `truenas:Media/docker-media`): a lease that frees itself if its
 * worker dies, and a FIFO line of waiting jobs, so a message can say behind which job and where.
 */
export class TargetLocks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly leaseMs: number,
  ) {}

  #keys(target: string): [string, string] {
    return [`${this.prefix}:lock:${target}`, `${this.prefix}:lockq:${target}`];
  }

  async acquire(target: string, jobId: string): Promise<LockAttempt> {
    const res = (await this.redis.eval(ACQUIRE, 2, ...this.#keys(target), jobId, this.leaseMs, Date.now(),
      `${this.prefix}:lockw:`, Math.max(5_000, this.leaseMs))) as [number, string | null, number];
    return res[0] === 1 ? { acquired: true } : { acquired: false, holder: res[1] || null, position: Number(res[2]) };
  }

  /** Extends the lease; false when the lock is no longer ours. */
  async renew(target: string, jobId: string): Promise<boolean> {
    const [lock] = this.#keys(target);
    const res = await this.redis.eval(
      "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0",
      1, lock, jobId, this.leaseMs);
    return res === 1;
  }

  async release(target: string, jobId: string): Promise<void> {
    await this.redis.eval(RELEASE, 2, ...this.#keys(target), jobId);
  }

  /** Held locks and who waits, for /status. */
  async list(): Promise<{ target: string; holder: string; waiting: string[] }[]> {
    const out: { target: string; holder: string; waiting: string[] }[] = [];
    const lockPrefix = `${this.prefix}:lock:`;
    let cursor = "0";
    do {
      const [next, keys] = await this.redis.scan(cursor, "MATCH", `${lockPrefix}*`, "COUNT", 200);
      cursor = next;
      for (const key of keys) {
        const target = key.slice(lockPrefix.length);
        const holder = await this.redis.get(key);
        if (!holder) continue;
        const waiting = await this.redis.zrange(`${this.prefix}:lockq:${target}`, 0, -1);
        out.push({ target, holder, waiting });
      }
    } while (cursor !== "0");
    return out.sort((a, b) => a.target.localeCompare(b.target));
  }
}
