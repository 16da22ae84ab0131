import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import { UserError } from "../errors.ts";
import { actorKey, type Actor, type Role } from "./actor.ts";

/** What a button does, kept server-side: a click carries only the opaque id, so a crafted payload gains nothing. */
export interface ActionRecord {
  kind: string;
  payload: Record<string, unknown>;
  /** `platform:id` of the only person who may click it (confirmations); undefined: anyone with `requires`. */
  boundTo?: string | undefined;
  boundName?: string | undefined;
  /** `platform:id` of the one person who may NOT click it (the two-person rule: the asker of a confirmation). */
  notBy?: string | undefined;
  notByName?: string | undefined;
  requires: Role;
  singleUse: boolean;
  expiresAt: number;
}

// Atomically read, check the owner, and (for single-use) delete. Returns [status, record].
const TAKE = `
local v = redis.call('GET', KEYS[1])
if not v then return {'missing', false} end
local rec = cjson.decode(v)
if rec.boundTo and rec.boundTo ~= ARGV[1] then return {'foreign', v} end
if rec.notBy and rec.notBy == ARGV[1] then return {'self', v} end
if rec.singleUse then redis.call('DEL', KEYS[1]) end
return {'ok', v}
`;

/** The asker clicked a confirmation that needs a second person. */
export function secondPersonError(rec: Pick<ActionRecord, "notByName" | "requires">): UserError {
  return new UserError("action_self", `You asked for this, so you cannot confirm it: the two-person rule needs someone else with the ${rec.requires} role.`);
}

/** Buttons' server-side state in Redis, with expiry. Ids look like `act:<22 url-safe chars>`. */
export class ActionStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async create(rec: Omit<ActionRecord, "expiresAt"> & { ttlMs: number }): Promise<string> {
    const id = `act:${randomBytes(16).toString("base64url")}`;
    const { ttlMs, ...rest } = rec;
    const record: ActionRecord = { ...rest, expiresAt: Date.now() + ttlMs };
    await this.redis.set(this.#key(id), JSON.stringify(record), "PX", ttlMs);
    return id;
  }

  /**
   * Claims a click. Single-use actions can be taken once; a confirmation bound to someone else is
   * refused (and stays usable by its owner); an unknown or expired id says so.
   */
  async take(id: string, actor: Actor): Promise<ActionRecord> {
    if (!/^act:[A-Za-z0-9_-]{10,40}$/.test(id)) throw new UserError("action_unknown", "That button is not one of labops' buttons.");
    const [status, raw] = (await this.redis.eval(TAKE, 1, this.#key(id), actorKey(actor))) as [string, string | null];
    if (status === "missing") {
      throw new UserError("action_gone", "This button has expired or was already used. Run the command again if you still need it.");
    }
    const rec = JSON.parse(raw!) as ActionRecord;
    if (status === "foreign") {
      throw new UserError("action_foreign", `Only ${rec.boundName ?? "the person who asked"} can use this button.`);
    }
    if (status === "self") throw secondPersonError(rec);
    return rec;
  }

  async peek(id: string): Promise<ActionRecord | undefined> {
    const raw = await this.redis.get(this.#key(id));
    return raw ? (JSON.parse(raw) as ActionRecord) : undefined;
  }

  async drop(id: string): Promise<void> {
    await this.redis.del(this.#key(id));
  }

  #key(id: string): string {
    return `${this.prefix}:action:${id}`;
  }
}
