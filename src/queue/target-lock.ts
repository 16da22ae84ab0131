import { createHash } from "node:crypto";
import type { Redis } from "ioredis";

/**
 * The answer to an acquire: the lock, a place in line (behind `holder`), a line already full, or a line
 * whose lock is free of any worker but still guarded by `holder`'s remote work (`remote`, recorded at `remoteAt`).
 */
export type LockAttempt =
  | { acquired: true }
  | { acquired: false; holder: string | null; position: number; full?: false | undefined; remote?: undefined }
  | { acquired: false; holder: string | null; position: number; full: true; remote?: undefined }
  | { acquired: false; holder: string; position: number; full?: false | undefined; remote: string; remoteAt: number };

// KEYS: lock, waiters zset, remote guard, line sequence, held set. ARGV: jobId, leaseMs, nowMs, heartbeat key prefix,
// heartbeatMs, maxWaiters, target.
// The holder re-acquires (re-entrant, lease renewed). The owner of the remote guard takes its lock back ahead of the
// line (its AAP job still runs: it must not wait behind a job that would launch a second one). Otherwise a free,
// unguarded lock goes to the oldest live waiter; waiters whose heartbeat expired (their job is gone) are dropped.
const ACQUIRE = `
local lock, q, gk, seq, held = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local id, lease, now, hbp, hbms, max = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], tonumber(ARGV[5]), tonumber(ARGV[6])
local holder = redis.call('GET', lock)
if holder == id then
  redis.call('PEXPIRE', lock, lease); redis.call('ZREM', q, id); return {1, id, 0}
end
local guard = redis.call('GET', gk)
local gowner, gremote, gat
if guard then gowner, gremote, gat = string.match(guard, '^([^|]*)|([^|]*)|(.*)$') end
if not holder and gowner == id then
  redis.call('SET', lock, id, 'PX', lease); redis.call('ZREM', q, id); redis.call('DEL', hbp .. id)
  redis.call('SADD', held, ARGV[7])
  return {1, id, 0}
end
for _, w in ipairs(redis.call('ZRANGE', q, 0, -1)) do
  if w ~= id and redis.call('EXISTS', hbp .. w) == 0 then redis.call('ZREM', q, w) end
end
if not redis.call('ZSCORE', q, id) then
  local n = redis.call('ZCARD', q)
  if max > 0 and n >= max then return {2, holder or gowner or false, n} end
  -- A counter, not the clock: two jobs joining in the same millisecond keep the order they joined in.
  redis.call('ZADD', q, redis.call('INCR', seq), id); redis.call('EXPIRE', seq, 7 * 86400)
end
redis.call('SET', hbp .. id, '1', 'PX', hbms)
local head = redis.call('ZRANGE', q, 0, 0)[1]
if not holder and not gowner and head == id then
  redis.call('SET', lock, id, 'PX', lease); redis.call('ZREM', q, id); redis.call('DEL', hbp .. id)
  redis.call('SADD', held, ARGV[7])
  return {1, id, 0}
end
local rank = redis.call('ZRANK', q, id) + 1
if holder then return {0, holder, rank} end
if gowner then return {3, gowner, rank, gremote, gat} end
-- Free, and the head of the line is about to take it: answer as it will be then, so the line shown stays right.
return {0, head or false, rank - 1}
`;

// KEYS: lock, waiters, guard. ARGV: jobId, keepRemote (1: the job ended but its remote work may still run), wake count.
// Returns the waiters to wake (oldest first) when something was freed.
const RELEASE = `
local freed = false
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]); freed = true end
redis.call('ZREM', KEYS[2], ARGV[1])
local g = redis.call('GET', KEYS[3])
if g and ARGV[2] ~= '1' and string.match(g, '^([^|]*)') == ARGV[1] then redis.call('DEL', KEYS[3]); freed = true end
if not freed then return {} end
return redis.call('ZRANGE', KEYS[2], 0, tonumber(ARGV[3]) - 1)
`;

// KEYS: lock, guard, held set. ARGV: target.
const DROP_FREE = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
return redis.call('SREM', KEYS[3], ARGV[1])
`;

const RENEW = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0";

// KEYS: lock, guard. ARGV: jobId, guard value. Only the holder records its remote work.
const MARK = `
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[2], 'EX', 7 * 86400)
return 1
`;

// KEYS: waiters, guard. ARGV: the guard value seen. Clears it only if unchanged; returns the waiters to wake.
const CLEAR_GUARD = `
if redis.call('GET', KEYS[2]) ~= ARGV[1] then return {} end
redis.call('DEL', KEYS[2])
return redis.call('ZRANGE', KEYS[1], 0, tonumber(ARGV[2]) - 1)
`;

// KEYS: lock, guard, waiters. ARGV: jobId. 1 when the lock is free and unguarded and this job is first in line.
const FREE_FOR = `
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if redis.call('ZRANGE', KEYS[3], 0, 0)[1] == ARGV[1] then return 1 end
return 0
`;

const SHAS = new Map<string, string>();

export interface TargetLockOptions {
  /** Most jobs waiting for one target; one more is refused (0: no bound). */
  maxWaiters?: number | undefined;
  /** How long a waiting job stays in line without checking again (its heartbeat outlives this). */
  recheckMs?: number | undefined;
  /** Wakes waiting jobs when a lock is freed (the worker promotes their delayed BullMQ jobs). */
  wake?: ((jobIds: string[]) => Promise<void>) | undefined;
}

/** Calls made to Redis, by kind, for tests and metrics. */
export interface TargetLockStats { acquire: number; renew: number; release: number; mark: number; check: number; woken: number }

/**
 * Per-target locks (`app:traefik`, `truenas:Media/docker-media`): a lease that frees itself if its worker
 * dies; a remote guard that keeps the target taken while the job's remote work (an AAP job) may still
 * run, whoever holds the lease; and a bounded FIFO line of waiting jobs, woken when the lock is freed, so
 * a message can say behind which job and where.
 */
export class TargetLocks {
  readonly stats: TargetLockStats = { acquire: 0, renew: 0, release: 0, mark: 0, check: 0, woken: 0 };
  readonly maxWaiters: number;
  readonly recheckMs: number;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    readonly leaseMs: number,
    private readonly opts: TargetLockOptions = {},
  ) {
    this.maxWaiters = opts.maxWaiters ?? 20;
    this.recheckMs = opts.recheckMs ?? 30_000;
  }

  #keys(target: string): [string, string, string] {
    return [`${this.prefix}:lock:${target}`, `${this.prefix}:lockq:${target}`, `${this.prefix}:lockr:${target}`];
  }

  async acquire(target: string, jobId: string): Promise<LockAttempt> {
    this.stats.acquire++;
    const heartbeat = Math.max(5_000, this.leaseMs, 2 * this.recheckMs + 5_000);
    const res = (await this.#eval(ACQUIRE, 5, ...this.#keys(target), `${this.prefix}:lockseq:${target}`, this.#held, jobId, this.leaseMs, Date.now(),
      `${this.prefix}:lockw:`, heartbeat, this.maxWaiters, target)) as [number, string | null, number, string?, string?];
    const holder = res[1] || null;
    const position = Number(res[2]);
    if (res[0] === 1) return { acquired: true };
    if (res[0] === 2) return { acquired: false, holder, position, full: true };
    if (res[0] === 3) return { acquired: false, holder: holder!, position, remote: res[3] ?? "", remoteAt: Number(res[4]) };
    return { acquired: false, holder, position };
  }

  /** Extends the lease; false when the lock is no longer ours. */
  async renew(target: string, jobId: string): Promise<boolean> {
    this.stats.renew++;
    const [lock] = this.#keys(target);
    const res = await this.#eval(RENEW, 1, lock, jobId, this.leaseMs);
    return res === 1;
  }

  /**
   * Records that the holder started remote work (`aap:<id>`, or `aap:intent` just before a launch): until the
   * job releases it, the target stays taken even when the lease lapses (retry backoff, a crashed worker).
   */
  async markRemote(target: string, jobId: string, remote: string): Promise<boolean> {
    this.stats.mark++;
    const [lock, , guard] = this.#keys(target);
    return (await this.#eval(MARK, 2, lock, guard, jobId, `${jobId}|${remote}|${Date.now()}`)) === 1;
  }

  /**
   * Frees the target and wakes the waiters. With `keepRemote` (the job ended while its remote work may still
   * run) only the lease goes: the guard stays until a waiter finds the remote work finished.
   */
  async release(target: string, jobId: string, { keepRemote = false }: { keepRemote?: boolean } = {}): Promise<void> {
    this.stats.release++;
    const woken = (await this.#eval(RELEASE, 3, ...this.#keys(target), jobId, keepRemote ? "1" : "0", this.#wakeCount())) as string[];
    await this.#wake(woken);
  }

  /** Drops a guard whose remote work has finished (as `attempt` saw it), and wakes the line. */
  async clearRemote(target: string, attempt: { holder: string; remote: string; remoteAt: number }): Promise<void> {
    const [, q, guard] = this.#keys(target);
    const woken = (await this.#eval(CLEAR_GUARD, 2, q, guard, `${attempt.holder}|${attempt.remote}|${attempt.remoteAt}`, this.#wakeCount())) as string[];
    await this.#wake(woken);
  }

  /**
   * Whether the lock is free, unguarded and `jobId` is first in line: checked once by a job that has just
   * gone to sleep in line, so a release between its acquire and its sleep (whose wake found it still
   * running) is not missed.
   */
  async freeFor(target: string, jobId: string): Promise<boolean> {
    this.stats.check++;
    const [lock, q, guard] = this.#keys(target);
    return (await this.#eval(FREE_FOR, 3, lock, guard, q, jobId)) === 1;
  }

  /** Runs a script by its hash (EVALSHA); sends it in full only when Redis does not have it yet (NOSCRIPT). */
  async #eval(script: string, keys: number, ...args: (string | number)[]): Promise<unknown> {
    let sha = SHAS.get(script);
    if (!sha) SHAS.set(script, (sha = createHash("sha1").update(script).digest("hex")));
    try {
      return await this.redis.evalsha(sha, keys, ...args);
    } catch (err) {
      if (!(err instanceof Error) || !err.message.startsWith("NOSCRIPT")) throw err;
      return this.redis.eval(script, keys, ...args);
    }
  }

  #wakeCount(): number {
    return this.maxWaiters > 0 ? this.maxWaiters : 100;
  }

  async #wake(jobIds: string[]): Promise<void> {
    if (!jobIds.length || !this.opts.wake) return;
    this.stats.woken += jobIds.length;
    await this.opts.wake(jobIds).catch(() => {});
  }

  get #held(): string {
    return `${this.prefix}:locks`;
  }

  /**
   * Held or guarded targets and who waits, for /status: read from the set of targets ever acquired (no key scan);
   * a target found free is dropped from it.
   */
  async list(): Promise<{ target: string; holder: string; waiting: string[]; remote?: string | undefined }[]> {
    const targets = await this.redis.smembers(this.#held);
    if (!targets.length) return [];
    const read = this.redis.multi();
    for (const t of targets) {
      const [lock, q, guard] = this.#keys(t);
      read.get(lock).get(guard).zrange(q, 0, -1);
    }
    const res = ((await read.exec()) ?? []).map(([err, v]) => (err ? null : v));
    const out: { target: string; holder: string; waiting: string[]; remote?: string | undefined }[] = [];
    const free: string[] = [];
    targets.forEach((target, i) => {
      const holder = res[3 * i] as string | null;
      const guard = res[3 * i + 1] as string | null;
      const waiting = (res[3 * i + 2] as string[] | null) ?? [];
      const [owner, remote] = guard?.split("|") ?? [];
      if (holder) out.push({ target, holder, waiting, ...(guard && owner === holder ? { remote } : {}) });
      else if (owner) out.push({ target, holder: owner, waiting, remote });
      else if (!waiting.length) free.push(target);
    });
    // Only a target still free when removed leaves the set (a job may have taken it meanwhile: it adds it again).
    for (const t of free) await this.#eval(DROP_FREE, 3, this.#keys(t)[0], this.#keys(t)[2], this.#held, t).catch(() => 0);
    return out.sort((a, b) => a.target.localeCompare(b.target));
  }

}
