import type { Redis } from "ioredis";

/** What `/gitops status` shows: the revision last seen on the branch, when, and the last sync's result. */
export interface GitopsStatus {
  rev?: string | undefined;
  seenAt?: number | undefined;
  checkedAt?: number | undefined;
  lastJob?: string | undefined;
  result?: string | undefined;
  resultState?: "success" | "warning" | "failure" | undefined;
  resultAt?: number | undefined;
  /** The remote's last error while it is unreachable (cleared when it answers again). */
  error?: string | undefined;
  paused?: { by: string; at: number } | undefined;
}

// KEYS[1] the hash. ARGV: expected rev ('' for none), new rev, now, job id. Only one caller moves rev from a value.
const ADVANCE = `
local cur = redis.call('HGET', KEYS[1], 'rev') or ''
if cur ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'rev', ARGV[2], 'seenAt', ARGV[3], 'lastJob', ARGV[4])
return 1
`;

/**
 * The watcher's state in Redis (`<prefix>:gitops`), shared by every worker: the last seen revision moves only
 * by compare-and-set, so two workers that saw the same new commit cannot both act on it.
 */
export class GitopsState {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get key(): string {
    return `${this.prefix}:gitops`;
  }

  async get(): Promise<GitopsStatus> {
    const h = await this.redis.hgetall(this.key);
    const num = (v: string | undefined) => (v ? Number(v) : undefined);
    return {
      rev: h.rev || undefined, seenAt: num(h.seenAt), checkedAt: num(h.checkedAt), lastJob: h.lastJob || undefined,
      result: h.result || undefined, resultState: (h.resultState || undefined) as GitopsStatus["resultState"], resultAt: num(h.resultAt),
      error: h.error || undefined,
      paused: h.pausedBy ? { by: h.pausedBy, at: Number(h.pausedAt ?? 0) } : undefined,
    };
  }

  /** Moves the last seen revision from `expected` (undefined: none yet) to `rev`; false when another worker moved it first. */
  async advance(expected: string | undefined, rev: string, jobId = ""): Promise<boolean> {
    return (await this.redis.eval(ADVANCE, 1, this.key, expected ?? "", rev, Date.now(), jobId)) === 1;
  }

  async checked(error?: string | undefined): Promise<void> {
    if (error) await this.redis.hset(this.key, "checkedAt", Date.now(), "error", error);
    else await this.redis.multi().hset(this.key, "checkedAt", Date.now()).hdel(this.key, "error").exec();
  }

  async setResult(jobId: string, state: NonNullable<GitopsStatus["resultState"]>, text: string): Promise<void> {
    await this.redis.hset(this.key, "result", text.slice(0, 300), "resultState", state, "resultAt", Date.now(), "resultJob", jobId);
  }

  async pause(by: string): Promise<void> {
    await this.redis.hset(this.key, "pausedBy", by, "pausedAt", Date.now());
  }

  async resume(): Promise<void> {
    await this.redis.hdel(this.key, "pausedBy", "pausedAt");
  }

  /**
   * The current outage of the remote: started by the first failed check (its time is the episode id, so the
   * alert is raised once per outage), ended by the next successful one.
   */
  async outage(): Promise<string> {
    const key = `${this.key}:outage`;
    await this.redis.set(key, String(Date.now()), "NX");
    return (await this.redis.get(key)) ?? "0";
  }

  async endOutage(): Promise<boolean> {
    return (await this.redis.del(`${this.key}:outage`)) === 1;
  }
}
