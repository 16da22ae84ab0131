import type { Redis } from "ioredis";
import { z } from "zod";

/** What labops posted for one AAP workflow approval, and how it ended. */
const postedSchema = z.object({
  state: z.literal("posted"),
  refs: z.array(z.object({ platform: z.enum(["slack", "discord", "mattermost", "terminal"]), channel: z.string(), thread: z.string().optional(), messageId: z.string() })),
  /** The facts the message shows, so an edit can say how it ended without asking AAP again. */
  view: z.record(z.string(), z.unknown()),
  /** Set once the approval ended and its messages were edited to say so. */
  closed: z.object({ outcome: z.enum(["approved", "denied", "timed-out", "canceled", "gone"]), by: z.string().optional(), where: z.enum(["labops", "aap"]), at: z.number() }).optional(),
});
export type PostedApproval = z.infer<typeof postedSchema>;

export type ApprovalClaim = "claimed" | "posted" | "in-flight";

// KEYS[1] the approval's key. ARGV: now, staleMs, ttlMs. A claim older than staleMs (a process that died posting) is taken over.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v then
  if string.sub(v, 1, 8) ~= 'claimed:' then return 'posted' end
  local t = tonumber(string.sub(v, 9)) or 0
  if tonumber(ARGV[1]) - t < tonumber(ARGV[2]) then return 'in-flight' end
end
redis.call('SET', KEYS[1], 'claimed:' .. ARGV[1], 'PX', ARGV[3])
return 'claimed'
`;

/**
 * Approval messages in Redis, under `<prefix>:approval:`:
 * - `post:<id>`: `claimed:<ms>` while one process posts it, then what was posted (its message refs), kept `ttlMs`;
 *   a restart or a second worker finds it and posts nothing again.
 * - `open`: the ids posted and not yet closed, re-read each poll to notice approvals decided in AAP or timed out.
 * - `tick`: taken for half an interval by the process that polls, so several workers make one request per interval.
 */
export class ApprovalStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: { ttlMs: number; staleClaimMs: number } = { ttlMs: 8 * 86_400_000, staleClaimMs: 2 * 60_000 },
  ) {}

  async claim(id: number): Promise<ApprovalClaim> {
    return (await this.redis.eval(CLAIM, 1, this.#k(`post:${id}`), Date.now(), this.opts.staleClaimMs, this.opts.ttlMs)) as ApprovalClaim;
  }

  /** Gives a claim back when nothing could be posted, so the next poll tries again. */
  async release(id: number): Promise<void> {
    await this.redis.del(this.#k(`post:${id}`));
  }

  async posted(id: number, rec: Omit<PostedApproval, "state">): Promise<void> {
    await this.redis.multi().set(this.#k(`post:${id}`), JSON.stringify({ state: "posted", ...rec }), "PX", this.opts.ttlMs).sadd(this.#k("open"), String(id)).exec();
  }

  async get(id: number): Promise<PostedApproval | undefined> {
    const raw = await this.redis.get(this.#k(`post:${id}`));
    if (!raw || raw.startsWith("claimed:")) return undefined;
    const r = postedSchema.safeParse(JSON.parse(raw));
    return r.success ? r.data : undefined;
  }

  /** Marks it ended (its messages were edited); later polls leave it alone. */
  async close(id: number, rec: PostedApproval, closed: NonNullable<PostedApproval["closed"]>): Promise<void> {
    await this.redis.multi().set(this.#k(`post:${id}`), JSON.stringify({ ...rec, closed }), "PX", this.opts.ttlMs).srem(this.#k("open"), String(id)).exec();
  }

  async open(): Promise<number[]> {
    return (await this.redis.smembers(this.#k("open"))).map(Number).filter((n) => Number.isInteger(n) && n > 0);
  }

  async forget(id: number): Promise<void> {
    await this.redis.srem(this.#k("open"), String(id));
  }

  /** True for the one process that polls this interval. */
  async tick(ms: number): Promise<boolean> {
    return (await this.redis.set(this.#k("tick"), String(Date.now()), "PX", Math.max(1, Math.floor(ms)), "NX")) === "OK";
  }

  #k(rest: string): string {
    return `${this.prefix}:approval:${rest}`;
  }
}
