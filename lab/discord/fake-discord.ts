import { randomBytes } from "node:crypto";
import { FakeHttpServer, type FakeHandler, type FakeRequest, type FakeResponse } from "../fake-http.ts";
import { FakeDiscordGateway } from "./gateway.ts";
import { FakeDiscordInteractions, type InteractionResult, type InteractionAs } from "./interactions.ts";
import {
  guildObject, messageObject, snowflake, userObject, validateCommands, validateMessageBody, type FakeDiscordUser, type Obj,
} from "./objects.ts";

export type { InteractionResult, InteractionAs, FakeDiscordUser };

/**
 * A faithful fake of Discord for discord.js 14 : REST under
 * /api/v10 (bot-token routes, interaction callbacks with the 3 s deadline and single ack, webhook-token
 * routes with the 15 min token lifetime, per-channel message buckets with X-RateLimit-* headers and 429s)
 * and the JSON gateway WebSocket. Every REST call and gateway frame is recorded.
 */
export interface FakeDiscordOptions {
  token?: string | undefined;
  appId?: string | undefined;
  guildId?: string | undefined;
  /** Text channels of the guild (default one: `ops`). */
  channels?: string[] | undefined;
  /** Guild roles by name (default `operators`, `admins`). */
  roles?: string[] | undefined;
  /** Gateway heartbeat interval (Discord: 41250 ms). */
  heartbeatIntervalMs?: number | undefined;
  /** Deadline of the initial interaction response (Discord: 3000 ms). */
  ackDeadlineMs?: number | undefined;
  /** Lifetime of an interaction token for webhook calls (Discord: 15 min). */
  tokenLifetimeMs?: number | undefined;
  /** Channel message create/edit bucket, per channel (Discord: about 5 per 5 s). */
  channelLimit?: { limit: number; windowMs: number } | undefined;
  /** How long an enforced nonce is remembered (Discord: "the past few minutes"; here 5 min). */
  nonceWindowMs?: number | undefined;
}

/** One REST call and the status the fake answered. */
export interface FakeDiscordCall {
  method: string;
  path: string;
  status: number;
  at: number;
  /** The Authorization header (interaction and webhook-token routes are sent without one). */
  auth?: string | undefined;
  body: unknown;
}

/** A 429 to inject on matching requests, with `times` uses. `shared` scope does not count as an invalid request. */
export interface Injected429 {
  method?: string | undefined;
  path: RegExp;
  times?: number | undefined;
  retryAfterMs?: number | undefined;
  scope?: "user" | "shared" | "global" | undefined;
}

interface StoredMessage {
  object: Obj;
  history: Obj[];
  via: "channel" | "interaction" | "followup";
}

const BUCKET_HASH = "f4k3ch4nn3lm3ss4g3s";

export class FakeDiscord {
  readonly token: string;
  readonly appId: string;
  readonly guildId: string;
  readonly bot: FakeDiscordUser;
  /** Channel ids by name. */
  readonly channels = new Map<string, string>();
  /** Role ids by name. */
  readonly roles = new Map<string, string>();
  readonly http = new FakeHttpServer("discord");
  readonly gateway: FakeDiscordGateway;
  readonly interactions: FakeDiscordInteractions;
  readonly calls: FakeDiscordCall[] = [];
  /** over-limit: requests past a channel bucket; invalid: 401/403/429 responses except shared-scope 429s. */
  readonly stats = { overLimit: 0, injected429: 0, invalid: 0 };
  /** Registered guild commands, as stored (with ids). */
  commands: Obj[] = [];
  ackDeadlineMs: number;
  tokenLifetimeMs: number;
  channelLimit: { limit: number; windowMs: number };
  readonly #messages = new Map<string, StoredMessage>();
  /** Enforced nonces by author: the message they created and when. */
  readonly #nonces = new Map<string, { id: string; at: number }>();
  nonceWindowMs: number;
  readonly #users = new Map<string, FakeDiscordUser>();
  readonly #buckets = new Map<string, { remaining: number; resetAt: number }>();
  readonly #known: { method: string; regex: RegExp }[] = [];
  readonly #faults: Injected429[] = [];
  readonly #startedAt = new Date().toISOString();
  #base = "";

  constructor(opts: FakeDiscordOptions = {}) {
    this.token = opts.token ?? `fake.${randomBytes(18).toString("base64url")}`;
    this.appId = opts.appId ?? snowflake();
    this.guildId = opts.guildId ?? snowflake();
    this.bot = { id: this.appId, username: "labops", bot: true };
    for (const name of opts.channels ?? ["ops"]) this.channels.set(name, snowflake());
    for (const name of opts.roles ?? ["operators", "admins"]) this.roles.set(name, snowflake());
    this.ackDeadlineMs = opts.ackDeadlineMs ?? 3_000;
    this.tokenLifetimeMs = opts.tokenLifetimeMs ?? 15 * 60_000;
    this.channelLimit = opts.channelLimit ?? { limit: 5, windowMs: 5_000 };
    this.nonceWindowMs = opts.nonceWindowMs ?? 5 * 60_000;
    this.gateway = new FakeDiscordGateway({
      token: this.token,
      heartbeatIntervalMs: opts.heartbeatIntervalMs ?? 41_250,
      ready: () => ({ user: userObject(this.bot), guilds: [{ id: this.guildId, unavailable: true }], application: { id: this.appId, flags: 0 } }),
      guilds: () => [guildObject({ guildId: this.guildId, channels: this.channels, roles: this.roles, bot: this.bot, joinedAt: this.#startedAt })],
      wsUrl: () => `${this.#base.replace(/^http/, "ws")}/gateway`,
    });
    this.interactions = new FakeDiscordInteractions(this);
    this.#routes();
  }

  async start(): Promise<string> {
    this.#base = await this.http.listen();
    this.gateway.attach(this.http.server());
    return this.#base;
  }

  async close(): Promise<void> {
    await this.gateway.shutdown();
    await this.http.close();
  }

  /** The `rest.api` for discord.js (`/v10` is appended by the library). */
  get apiUrl(): string {
    return `${this.#base}/api`;
  }

  /** The environment that points labops at this fake. */
  get env(): Record<string, string> {
    return { DISCORD_TOKEN: this.token, DISCORD_APP_ID: this.appId, DISCORD_GUILD_ID: this.guildId, DISCORD_API_URL: this.apiUrl };
  }

  channel(name = "ops"): string {
    const id = this.channels.get(name);
    if (!id) throw new Error(`no channel ${name} in the fake guild`);
    return id;
  }

  role(name: string): string {
    const id = this.roles.get(name);
    if (!id) throw new Error(`no role ${name} in the fake guild`);
    return id;
  }

  /** A guild member (created on first use, with a stable snowflake). */
  user(username: string): FakeDiscordUser {
    let u = this.#users.get(username);
    if (!u) this.#users.set(username, (u = { id: snowflake(), username, global_name: username }));
    return u;
  }

  /** A user runs a slash command (`runner create` for a subcommand); resolves with the callback and its latency. */
  slash(name: string, options: Record<string, string | number | boolean> = {}, as: InteractionAs = {}): Promise<InteractionResult> {
    return this.interactions.slash(name, options, as);
  }

  /** A user types into an autocomplete option; resolves with the type 8 callback (`callback.data.choices`). */
  autocomplete(name: string, option: string, partial: string, as: InteractionAs = {}): Promise<InteractionResult> {
    return this.interactions.autocomplete(name, option, partial, as);
  }

  /** The user submits the modal the bot showed in answer to that interaction (MODAL_SUBMIT). */
  submitModal(interactionId: string, values: Record<string, string>, as: InteractionAs = {}): Promise<InteractionResult> {
    return this.interactions.submitModal(interactionId, values, as);
  }

  /** A user clicks a button on a stored message. */
  click(customId: string, messageId: string, as: InteractionAs = {}): Promise<InteractionResult> {
    return this.interactions.click(customId, messageId, as);
  }

  /** Makes the next matching requests answer 429 (not counted against the bot as over-limit). */
  inject429(fault: Injected429): void {
    this.#faults.push({ ...fault });
  }

  /** A message as it is now, with every state it had (`history[0]` is the create). */
  message(id: string): { object: Obj; history: Obj[]; via: StoredMessage["via"] } | undefined {
    return this.#messages.get(id);
  }

  /** Messages of a channel, oldest first. */
  messages(channelId: string): { object: Obj; history: Obj[]; via: StoredMessage["via"] }[] {
    return [...this.#messages.values()].filter((m) => m.object.channel_id === channelId);
  }

  count(method: string, path: RegExp): number {
    return this.calls.filter((c) => c.method === method.toUpperCase() && path.test(c.path)).length;
  }

  // ---- used by FakeDiscordInteractions ----

  /** @internal Stores a new message authored by the bot. */
  storeMessage(channelId: string, body: Obj, via: StoredMessage["via"], extra: { flags?: number | undefined; type?: number | undefined } = {}): Obj {
    const object = messageObject({
      id: snowflake(), channelId, author: this.bot, body, flags: extra.flags, type: extra.type,
      ...(via === "channel" ? {} : { applicationId: this.appId, webhookId: this.appId }),
    });
    this.#messages.set(String(object.id), { object, history: [object], via });
    return object;
  }

  /** @internal Applies an edit (only the keys present replace), clears the loading flag. */
  editMessage(id: string, body: Obj): Obj | undefined {
    const m = this.#messages.get(id);
    if (!m) return undefined;
    const next: Obj = { ...m.object, edited_timestamp: new Date().toISOString(), flags: Number(m.object.flags ?? 0) & ~128 };
    for (const k of ["content", "embeds", "components"]) if (body[k] !== undefined) next[k] = body[k];
    m.object = next;
    m.history.push(next);
    return next;
  }

  /** @internal */
  deleteMessage(id: string): boolean {
    return this.#messages.delete(id);
  }

  // ---- REST ----

  #routes(): void {
    const api = "/api/v10";
    this.http.guard = (req) => this.#guard(req);
    this.#route("GET", `${api}/gateway`, () => ok({ url: this.gatewayUrl }));
    this.#route("GET", `${api}/gateway/bot`, () =>
      ok({ url: this.gatewayUrl, shards: 1, session_start_limit: { total: 1000, remaining: 1000, reset_after: 0, max_concurrency: 1 } }));
    this.#route("GET", `${api}/users/@me`, () => ok(userObject(this.bot)));
    this.#route("PUT", `${api}/applications/:app/guilds/:guild/commands`, (req, p) => this.#putCommands(req, p));
    this.#route("GET", `${api}/applications/:app/guilds/:guild/commands`, (_req, p) =>
      p.app === this.appId && p.guild === this.guildId ? ok(this.commands) : notFound(10004, "Unknown Guild"));
    this.#route("POST", `${api}/interactions/:id/:token/callback`, (req, p) => this.interactions.callback(req, p.id!, p.token!));
    for (const method of ["GET", "PATCH", "DELETE"]) {
      this.#route(method, `${api}/webhooks/:app/:token/messages/@original`, (req, p) => this.interactions.webhookMessage(req, p.app!, p.token!, "@original"));
      this.#route(method, `${api}/webhooks/:app/:token/messages/:mid`, (req, p) => this.interactions.webhookMessage(req, p.app!, p.token!, p.mid!));
    }
    this.#route("POST", `${api}/webhooks/:app/:token`, (req, p) => this.interactions.followup(req, p.app!, p.token!));
    this.#route("POST", `${api}/channels/:channel/messages`, (req, p) => this.#channelMessage(req, p.channel!));
    this.#route("PATCH", `${api}/channels/:channel/messages/:mid`, (req, p) => this.#channelMessage(req, p.channel!, p.mid));
    this.#route("GET", `${api}/channels/:channel/messages/:mid`, (_req, p) => {
      const m = this.#messages.get(p.mid!);
      return m && m.object.channel_id === p.channel ? ok(m.object) : notFound(10008, "Unknown Message");
    });
  }

  get gatewayUrl(): string {
    return `${this.#base.replace(/^http/, "ws")}/gateway`;
  }

  #route(method: string, pattern: string, handler: FakeHandler): void {
    this.http.route(method, pattern, async (req, params) => this.#record(req, await handler(req, params)));
    const source = pattern.split("/").map((seg) => (seg.startsWith(":") ? "[^/]+" : seg.replace(/[.*+?^${}()|[\]\\@]/g, "\\$&"))).join("/");
    this.#known.push({ method, regex: new RegExp(`^${source}$`) });
  }

  #record(req: FakeRequest, res: FakeResponse): FakeResponse {
    this.calls.push({ method: req.method, path: req.path, status: res.status, at: Date.now(), auth: req.headers.authorization, body: req.body });
    if (this.calls.length > 20_000) this.calls.splice(0, 5_000);
    if (res.status === 401 || res.status === 403 || (res.status === 429 && res.headers?.["X-RateLimit-Scope"] !== "shared")) this.stats.invalid++;
    return res;
  }

  /** Route existence (404/405 code 0), bot-token auth, injected 429s. */
  #guard(req: FakeRequest): FakeResponse | undefined {
    const matches = this.#known.filter((r) => r.regex.test(req.path));
    if (!matches.length) return this.#record(req, { status: 404, body: { message: "404: Not Found", code: 0 } });
    if (!matches.some((r) => r.method === req.method)) return this.#record(req, { status: 405, body: { message: "405: Method Not Allowed", code: 0 } });
    const tokenRoute = /^\/api\/v10\/(interactions|webhooks)\//.test(req.path) || req.path === "/api/v10/gateway";
    if (!tokenRoute && req.headers.authorization !== `Bot ${this.token}`) {
      return this.#record(req, { status: 401, body: { message: "401: Unauthorized", code: 0 } });
    }
    const i = this.#faults.findIndex((f) => (!f.method || f.method === req.method) && f.path.test(req.path));
    if (i < 0) return undefined;
    const fault = this.#faults[i]!;
    if (fault.times !== undefined && --fault.times <= 0) this.#faults.splice(i, 1);
    this.stats.injected429++;
    const retry = (fault.retryAfterMs ?? 1_000) / 1000;
    const scope = fault.scope ?? "shared";
    return this.#record(req, {
      status: 429,
      body: { message: "You are being rate limited.", retry_after: retry, global: scope === "global" },
      headers: { "Retry-After": String(retry), "X-RateLimit-Scope": scope, ...(scope === "global" ? { "X-RateLimit-Global": "true" } : {}) },
    });
  }

  #putCommands(req: FakeRequest, p: Record<string, string>): FakeResponse {
    if (p.app !== this.appId) return { status: 403, body: { message: "Missing Access", code: 50001 } };
    if (p.guild !== this.guildId) return notFound(10004, "Unknown Guild");
    if (!Array.isArray(req.body)) return { status: 400, body: { message: "Invalid Form Body", code: 50035, errors: { _errors: [{ code: "BASE_TYPE_ARRAY", message: "Must be an array" }] } } };
    const errors = validateCommands(req.body as Obj[]);
    if (errors.count) return errors.response();
    const previous = new Map(this.commands.map((c) => [String(c.name), String(c.id)]));
    this.commands = (req.body as Obj[]).map((c) => ({
      type: 1, ...c, id: previous.get(String(c.name)) ?? snowflake(), application_id: this.appId, guild_id: this.guildId,
      version: snowflake(), default_member_permissions: c.default_member_permissions ?? null, nsfw: false,
    }));
    return ok(this.commands);
  }

  /** POST (create) or PATCH (edit) a channel message, inside the channel's create/edit bucket. */
  #channelMessage(req: FakeRequest, channelId: string, messageId?: string): FakeResponse {
    const bucket = this.#spend(channelId);
    if (bucket.limited) {
      this.stats.overLimit++;
      return { status: 429, body: { message: "You are being rate limited.", retry_after: bucket.resetAfter, global: false }, headers: { ...bucket.headers, "Retry-After": String(bucket.resetAfter), "X-RateLimit-Scope": "user" } };
    }
    const withHeaders = (r: FakeResponse): FakeResponse => ({ ...r, headers: { ...r.headers, ...bucket.headers } });
    if (![...this.channels.values()].includes(channelId)) return withHeaders(notFound(10003, "Unknown Channel"));
    const body = (req.body ?? {}) as Obj;
    const errors = validateMessageBody(body);
    if (errors.count) return withHeaders(errors.response());
    if (!messageId) {
      if (!body.content && !(body.embeds as unknown[] | undefined)?.length && !(body.components as unknown[] | undefined)?.length) {
        return withHeaders({ status: 400, body: { message: "Cannot send an empty message", code: 50006 } });
      }
      // Discord's enforce_nonce: the same nonce from the same author within the window returns the message it
      // created then, and creates nothing.
      const nonceKey = body.enforce_nonce === true && body.nonce !== undefined ? `${this.bot.id}:${String(body.nonce)}` : undefined;
      const seen = nonceKey ? this.#nonces.get(nonceKey) : undefined;
      const earlier = seen && Date.now() - seen.at < this.nonceWindowMs ? this.#messages.get(seen.id) : undefined;
      if (earlier) return withHeaders(ok(earlier.object));
      const created = this.storeMessage(channelId, body, "channel");
      if (nonceKey) this.#nonces.set(nonceKey, { id: String(created.id), at: Date.now() });
      return withHeaders(ok(created));
    }
    const m = this.#messages.get(messageId);
    if (!m || m.object.channel_id !== channelId) return withHeaders(notFound(10008, "Unknown Message"));
    if ((m.object.author as Obj).id !== this.bot.id) return withHeaders({ status: 403, body: { message: "Cannot edit a message authored by another user", code: 50005 } });
    return withHeaders(ok(this.editMessage(messageId, body)));
  }

  #spend(channelId: string): { limited: boolean; resetAfter: number; headers: Record<string, string> } {
    const now = Date.now();
    let b = this.#buckets.get(channelId);
    if (!b || now >= b.resetAt) this.#buckets.set(channelId, (b = { remaining: this.channelLimit.limit, resetAt: now + this.channelLimit.windowMs }));
    const limited = b.remaining <= 0;
    if (!limited) b.remaining--;
    const resetAfter = Math.max(0, (b.resetAt - now) / 1000);
    return {
      limited,
      resetAfter,
      headers: {
        "X-RateLimit-Limit": String(this.channelLimit.limit),
        "X-RateLimit-Remaining": String(b.remaining),
        "X-RateLimit-Reset": (b.resetAt / 1000).toFixed(3),
        "X-RateLimit-Reset-After": resetAfter.toFixed(3),
        "X-RateLimit-Bucket": BUCKET_HASH,
      },
    };
  }

}

function ok(body: unknown): FakeResponse {
  return { status: 200, body };
}

export function notFound(code: number, message: string): FakeResponse {
  return { status: 404, body: { message, code } };
}
