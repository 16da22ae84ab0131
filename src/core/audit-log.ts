import type { Redis } from "ioredis";

export interface AuditEntry {
  at: number;
  event: "command" | "refused" | "confirmed" | "canceled" | "remote" | "result" | "action";
  actor?: string | undefined;
  command?: string | undefined;
  target?: string | undefined;
  jobId?: string | undefined;
  detail?: string | undefined;
}

/** The audit trail: a Redis stream capped at `maxEntries`, queryable by target for /history. */
export class AuditLog {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly maxEntries = 10_000,
  ) {}

  get key(): string {
    return `${this.prefix}:audit`;
  }

  async record(entry: Omit<AuditEntry, "at">): Promise<void> {
    const fields: string[] = ["at", String(Date.now())];
    for (const [k, v] of Object.entries(entry)) if (v !== undefined) fields.push(k, String(v));
    await this.redis.xadd(this.key, "MAXLEN", "~", this.maxEntries, "*", ...fields);
  }

  /** Newest first; with `target`, only entries about it. */
  async recent(opts: { target?: string | undefined; limit?: number | undefined } = {}): Promise<AuditEntry[]> {
    const limit = opts.limit ?? 20;
    const out: AuditEntry[] = [];
    let end = "+";
    while (out.length < limit) {
      const batch = await this.redis.xrevrange(this.key, end, "-", "COUNT", 200);
      if (!batch.length) break;
      for (const [, kv] of batch) {
        const e: Record<string, string> = {};
        for (let i = 0; i < kv.length; i += 2) e[kv[i]!] = kv[i + 1]!;
        const entry = { ...e, at: Number(e.at) } as unknown as AuditEntry;
        if (!opts.target || entry.target === opts.target || entry.target?.endsWith(`:${opts.target}`)) out.push(entry);
        if (out.length >= limit) break;
      }
      const lastId = batch[batch.length - 1]![0];
      end = `(${lastId}`;
      if (batch.length < 200) break;
    }
    return out;
  }
}
