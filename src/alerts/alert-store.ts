import type { Redis } from "ioredis";
import { randomBytes } from "node:crypto";
import { ROLE_RANK, type MessageRef, type Role } from "../core/actor.ts";
import { activeWindow, muteScopes, type MaintenanceWindow, type Mute } from "./mutes.ts";

/** The Redis key that mutes a group (`aap:<template>`, `labops:<command>`); written by the alert.mute job. */
export function muteKey(prefix: string, group: string): string {
  return `${prefix}:alert:mute:${group}`;
}

/** What a grouped alert remembers: where it was posted and which failures it lists. */
export interface AlertGroup {
  openedAt: number;
  refs: MessageRef[];
  items: { id: string; summary: string }[];
}

export type ClaimResult = "claimed" | "done" | "in-flight";

// KEYS[1] dedupe key. ARGV: now, staleMs, ttlMs. A claim older than staleMs (a crashed process) is taken over.
const CLAIM = `
local v = redis.call('GET', KEYS[1])
if v == 'done' then return 'done' end
if v then
  local t = tonumber(string.sub(v, 9)) or 0
  if tonumber(ARGV[1]) - t < tonumber(ARGV[2]) then return 'in-flight' end
end
redis.call('SET', KEYS[1], 'claimed:' .. ARGV[1], 'PX', ARGV[3])
return 'claimed'
`;

/**
 * The alerting state in Redis, under `<prefix>:alert:`:
 * - `seen:<source>:<id>`: one alert per failure (`claimed:<ms>` while being posted, then `done`), kept `dedupeTtlMs`.
 * - `mute:<scope>`: set by the Mute button (a group) or `/alerts mute` (`app:`, `host:`, `template:`), expires on its own.
 * - `group:<group>`: the open group message of a template, expires when its window closes.
 * - `suppressed:<group>`: failures muted since the last posted alert, reported with the next one.
 * - `aap-watermark`: the newest `finished` timestamp the poller has fully handled.
 * - `poll-slot`: held by the one process that polls AAP in the current interval.
 */
export class AlertStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly opts: { dedupeTtlMs: number; staleClaimMs: number; maintenance?: readonly MaintenanceWindow[] | undefined },
  ) {}

  /** Claims a failure for alerting; `done` when it was alerted before, `in-flight` while another path posts it. */
  async claim(id: string): Promise<ClaimResult> {
    return (await this.redis.eval(CLAIM, 1, this.#k(`seen:${id}`), Date.now(), this.opts.staleClaimMs, this.opts.dedupeTtlMs)) as ClaimResult;
  }

  async done(id: string): Promise<void> {
    await this.redis.set(this.#k(`seen:${id}`), "done", "PX", this.opts.dedupeTtlMs);
  }

  /** Gives a claim back after a failed delivery, so the next poll tries again. */
  async release(id: string): Promise<void> {
    await this.redis.del(this.#k(`seen:${id}`));
  }

  muteKey(group: string): string {
    return muteKey(this.prefix, group);
  }

  async mutedBy(group: string): Promise<{ by: string; until: number } | undefined> {
    const raw = await this.redis.get(this.muteKey(group));
    return raw ? (JSON.parse(raw) as { by: string; until: number }) : undefined;
  }

  /**
   * The mute that silences an alert of `group` naming `scopes` (its app, hosts): a Mute button's group mute,
   * an `/alerts mute` scope, or a maintenance window from the settings.
   */
  async mutedFor(group: string, scopes: readonly string[] = [], requires: Role = "operator"): Promise<Mute | undefined> {
    const all = muteScopes(group, scopes);
    const raws = await this.redis.mget(...all.map((s) => this.muteKey(s)));
    for (const [i, raw] of raws.entries()) {
      if (!raw) continue;
      const m: Mute = { scope: all[i]!, ...(JSON.parse(raw) as Omit<Mute, "scope">) };
      // A mute made with less than the alert's role does not hide it (a button mute carries no role: its button needed the group's).
      if (!m.role || ROLE_RANK[m.role] >= ROLE_RANK[requires]) return m;
    }
    return activeWindow(this.opts.maintenance ?? [], all);
  }

  /** Mutes `scope` for `ms` (replacing an earlier mute of it); returns the mute with its id. */
  async mute(scope: string, ms: number, by: string, role?: Role): Promise<Mute> {
    const mute: Mute = { scope, by, until: Date.now() + ms, at: Date.now(), id: `m${randomBytes(3).toString("hex")}`, ...(role ? { role } : {}) };
    const { scope: _s, ...stored } = mute;
    await this.redis.set(this.muteKey(scope), JSON.stringify(stored), "PX", ms);
    return mute;
  }

  /** Every mute in force, soonest to expire first, then the maintenance windows open now. */
  async mutes(): Promise<Mute[]> {
    const head = this.muteKey("");
    const keys: string[] = [];
    let cursor = "0";
    do {
      const [next, batch] = await this.redis.scan(cursor, "MATCH", `${head}*`, "COUNT", 500);
      keys.push(...batch);
      cursor = next;
    } while (cursor !== "0" && keys.length < 1_000);
    const raws = keys.length ? await this.redis.mget(...keys) : [];
    const out: Mute[] = [];
    for (const [i, raw] of raws.entries()) if (raw) out.push({ scope: keys[i]!.slice(head.length), ...(JSON.parse(raw) as Omit<Mute, "scope">) });
    out.sort((a, b) => a.until - b.until);
    for (const w of this.opts.maintenance ?? []) {
      const open = activeWindow([w], [w.scope]);
      if (open) out.push(open);
    }
    return out;
  }

  /** The `/alerts mute` mute with this id (or of this scope). */
  async findMute(idOrScope: string): Promise<Mute | undefined> {
    return (await this.mutes()).find((m) => m.id !== undefined && (m.id === idOrScope || m.scope === idOrScope));
  }

  /** Ends the mute with this id (or of this scope); false when there is none. */
  async unmute(idOrScope: string): Promise<Mute | undefined> {
    const found = await this.findMute(idOrScope);
    if (!found) return undefined;
    await this.redis.del(this.muteKey(found.scope));
    return found;
  }

  async addSuppressed(group: string, label: string): Promise<void> {
    const key = this.#k(`suppressed:${group}`);
    await this.redis.multi().rpush(key, label).ltrim(key, -50, -1).pexpire(key, this.opts.dedupeTtlMs).exec();
  }

  async suppressed(group: string): Promise<string[]> {
    return this.redis.lrange(this.#k(`suppressed:${group}`), 0, -1);
  }

  async clearSuppressed(group: string): Promise<void> {
    await this.redis.del(this.#k(`suppressed:${group}`));
  }

  async group(group: string): Promise<AlertGroup | undefined> {
    const raw = await this.redis.get(this.#k(`group:${group}`));
    return raw ? (JSON.parse(raw) as AlertGroup) : undefined;
  }

  /** Stores the group until its window (counted from `openedAt`) closes. */
  async saveGroup(group: string, state: AlertGroup, windowMs: number): Promise<void> {
    const left = state.openedAt + windowMs - Date.now();
    if (left <= 0) return;
    await this.redis.set(this.#k(`group:${group}`), JSON.stringify(state), "PX", left);
  }

  async watermark(): Promise<string | undefined> {
    return (await this.redis.get(this.#k("aap-watermark"))) ?? undefined;
  }

  /** Sets the watermark only if none exists (the poller's first run), and returns the one in force. */
  async initWatermark(value: string): Promise<string> {
    await this.redis.set(this.#k("aap-watermark"), value, "NX");
    return (await this.watermark()) ?? value;
  }

  async setWatermark(value: string): Promise<void> {
    await this.redis.set(this.#k("aap-watermark"), value);
  }

  /**
   * Claims this interval's poll for one process among all bots and workers: true for the first caller, false for
   * the others until `ms` has passed (a process that dies holding it only skips one interval).
   */
  async claimPollSlot(ms: number): Promise<boolean> {
    return (await this.redis.set(this.#k("poll-slot"), "1", "PX", Math.max(1, Math.floor(ms)), "NX")) === "OK";
  }

  #k(rest: string): string {
    return `${this.prefix}:alert:${rest}`;
  }
}
