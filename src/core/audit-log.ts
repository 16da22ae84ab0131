import type { Redis } from "ioredis";

export interface AuditEntry {
  at: number;
  event: "command" | "refused" | "confirmed" | "canceled" | "remote" | "result" | "action" | "approval";
  actor?: string | undefined;
  command?: string | undefined;
  target?: string | undefined;
  jobId?: string | undefined;
  detail?: string | undefined;
}

/** The script runner the audit trail needs (queue/redis-script.ts's RedisScript, passed in). */
export interface AuditScript {
  run(redis: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown>;
}

/**
 * KEYS: the stream, then the index lists of the entry's target (none, or its full name and its short name).
 * ARGV: maxEntries, indexLength, indexTtlMs, then the entry's fields. One round trip: the entry and its indexes.
 */
export const AUDIT_RECORD_LUA = `
local id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', unpack(ARGV, 4))
for i = 2, #KEYS do
  redis.call('LPUSH', KEYS[i], id)
  redis.call('LTRIM', KEYS[i], 0, tonumber(ARGV[2]) - 1)
  redis.call('PEXPIRE', KEYS[i], ARGV[3])
end
return id
`;

/** How many entry ids each target keeps in its index (/history shows at most 50). */
const INDEX_LENGTH = 200;
const INDEX_TTL_MS = 90 * 24 * 3_600_000;

/**
 * The audit trail: a Redis stream capped at `maxEntries`, queryable by target for /history. Each entry with a
 * target is also listed, newest first, under its target (`app:traefik`) and its short name (`traefik`), so a
 * filtered /history reads only that target's entries instead of scanning the stream.
 */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxEntries = 10_000,
    private readonly script?: AuditScript | undefined,
  ) {}

  get key(): string {
    return `${this.prefix}:audit`;
  }

  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    const fields: string[] = ["at", String(Date.now())];
    for (const [k, v] of Object.entries(entry)) if (v !== undefined) fields.push(k, String(v));
    if (!this.script || !entry.target) {
      await this.redis.xadd(this.key, "MAXLEN", "~", this.maxEntries, "*", ...fields);
      return;
    }
    const names = [...new Set([entry.target, shortName(entry.target)])];
    await this.script.run(this.redis, [this.key, ...names.map((n) => this.#index(n))], [this.maxEntries, INDEX_LENGTH, INDEX_TTL_MS, ...fields]);
  }

  /** Newest first; with `target`, only entries about it. */
  async recent(opts: { target?: string | undefined; limit?: number | undefined } = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 20;
    if (opts.target && this.script) {
      const ids = await this.redis.lrange(this.#index(opts.target), 0, INDEX_LENGTH - 1);
      if (ids.length) return this.#byIds(ids, opts.target, limit);
    }
    return this.#scan(opts.target, limit);
  }

  async #byIds(ids: string[], target: string, limit: number): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    // In slices: entries trimmed from the stream since (MAXLEN) are gone, and are skipped.
    for (let i = 0; i < ids.length && out.length < limit; i += limit) {
      const pipe = this.redis.pipeline();
      for (const id of ids.slice(i, i + limit)) pipe.xrange(this.key, id, id);
      for (const [err, rows] of (await pipe.exec()) ?? []) {
        const row = !err ? (rows as [string, string[]][])[0] : undefined;
        if (!row) continue;
        const entry = toEntry(row[1]);
        if (matches(entry, target)) out.push(entry);
        if (out.length >= limit) break;
      }
    }
    return out;
  }

  /** Every entry, newest first, filtered here: entries recorded before the index existed, or without a script. */
  async #scan(target: string | undefined, limit: number): Promise<AuditEntry[]> {
    const out: AuditEntry[] = [];
    let end = "+";
    while (out.length < limit) {
      const batch = await this.redis.xrevrange(this.key, end, "-", "COUNT", 200);
      if (!batch.length) break;
      for (const [, kv] of batch) {
        const entry = toEntry(kv);
        if (!target || matches(entry, target)) out.push(entry);
        if (out.length >= limit) break;
      }
      const lastId = batch[batch.length - 1]![0];
      end = `(${lastId}`;
      if (batch.length < 200) break;
    }
    return out;
  }

  #index(name: string): string {
    return `${this.prefix}:audit:target:${name}`;
  }
}

function toEntry(kv: string[]): AuditEntry {
  const e: Record<string, string> = {};
  for (let i = 0; i < kv.length; i += 2) e[kv[i]!] = kv[i + 1]!;
  return { ...e, at: Number(e.at) } as unknown as AuditEntry;
}

function matches(entry: AuditEntry, target: string): boolean {
  return entry.target === target || (entry.target?.endsWith(`:${target}`) ?? false);
}

/** `app:traefik` → `traefik`; a target without a kind is its own short name. */
function shortName(target: string): string {
  const i = target.indexOf(":");
  return i >= 0 ? target.slice(i + 1) : target;
}
