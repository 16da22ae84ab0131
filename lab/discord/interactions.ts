import { randomBytes } from "node:crypto";
import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { FakeDiscord } from "./fake-discord.ts";
import { memberObject, snowflake, validateMessageBody, type FakeDiscordUser, type Obj } from "./objects.ts";

/** Who acts, and where (defaults: user `alice`, no roles, channel `ops`). */
export interface InteractionAs {
  user?: FakeDiscordUser | string | undefined;
  /** Role ids (use `fake.role("operators")`). */
  roles?: string[] | undefined;
  /** Channel name or id. */
  channel?: string | undefined;
}

/** What the bot answered to an interaction. */
export interface InteractionResult {
  id: string;
  token: string;
  /** The initial response: `{type, data}` (5 deferred, 6 deferred update, 7 update, 8 autocomplete result, ...). */
  callback: { type: number; data?: Obj | undefined };
  /** INTERACTION_CREATE sent → callback received, in ms. */
  latencyMs: number;
  /** The message of the reply (types 4/5) or of the clicked component (6/7), once it exists. */
  messageId?: string | undefined;
}

interface Rec {
  id: string;
  token: string;
  type: number;
  createdAt: number;
  channelId: string;
  /** The message the clicked component is on (type 3). */
  componentMessageId?: string | undefined;
  originalId?: string | undefined;
  followups: string[];
  userId: string;
  callback?: { type: number; data?: Obj | undefined; at: number } | undefined;
  waiter?: ((r: InteractionResult) => void) | undefined;
}

const OPTION_TYPES = { string: 3, integer: 4, boolean: 5, number: 10 } as const;

/** Interaction side of the fake Discord: dispatching INTERACTION_CREATE and the interaction-token REST routes. */
export class FakeDiscordInteractions {
  readonly #byId = new Map<string, Rec>();
  readonly #byToken = new Map<string, Rec>();
  /** Callbacks that came after the deadline, and second acks. */
  readonly late: string[] = [];
  readonly doubleAcks: string[] = [];
  /** Modals shown (type 9 callbacks), by the interaction they answered. */
  readonly modals = new Map<string, { data: Obj; user: string; channelId: string }>();

  constructor(private readonly fake: FakeDiscord) {}

  slash(name: string, options: Record<string, string | number | boolean>, as: InteractionAs): Promise<InteractionResult> {
    const { command, path } = this.#command(name);
    const typed = Object.entries(options).map(([k, v]) => ({ name: k, type: this.#optionType(path, k, v), value: v }));
    return this.#dispatch(2, as, { id: command.id, name: command.name, type: 1, guild_id: this.fake.guildId, options: this.#nest(name, typed) });
  }

  autocomplete(name: string, option: string, partial: string, as: InteractionAs): Promise<InteractionResult> {
    const { command, path } = this.#command(name);
    const focused = { name: option, type: this.#optionType(path, option, partial), value: partial, focused: true };
    return this.#dispatch(4, as, { id: command.id, name: command.name, type: 1, guild_id: this.fake.guildId, options: this.#nest(name, [focused]) });
  }

  /** The person fills in and submits the modal shown in answer to `interactionId`: MODAL_SUBMIT (type 5) with each text input's value. */
  submitModal(interactionId: string, values: Record<string, string>, as: InteractionAs = {}): Promise<InteractionResult> {
    const m = this.modals.get(interactionId);
    if (!m) throw new Error(`no modal was shown in answer to interaction ${interactionId}`);
    this.modals.delete(interactionId);
    const rows = (m.data.components as Obj[]).map((row) => ({
      type: 1, components: (row.components as Obj[]).map((c) => {
        const v = values[String(c.custom_id)] ?? String(c.value ?? "");
        if (c.required !== false && v === "") throw new Error(`Discord does not submit the modal: ${String(c.custom_id)} is required`);
        if (typeof c.max_length === "number" && v.length > c.max_length) throw new Error(`Discord does not submit the modal: ${String(c.custom_id)} is longer than ${c.max_length}`);
        if (typeof c.min_length === "number" && v.length > 0 && v.length < c.min_length) throw new Error(`Discord does not submit the modal: ${String(c.custom_id)} is shorter than ${c.min_length}`);
        return { type: 4, custom_id: c.custom_id, value: v };
      }),
    }));
    return this.#dispatch(5, { ...as, channel: m.channelId }, { custom_id: m.data.custom_id, components: rows });
  }

  click(customId: string, messageId: string, as: InteractionAs): Promise<InteractionResult> {
    const m = this.fake.message(messageId);
    if (!m) throw new Error(`no message ${messageId} to click on`);
    const buttons = ((m.object.components as Obj[] | undefined) ?? []).flatMap((row) => (row.components as Obj[] | undefined) ?? []);
    if (!buttons.some((b) => b.custom_id === customId)) throw new Error(`message ${messageId} has no button ${customId}`);
    const channel = String(m.object.channel_id);
    return this.#dispatch(3, { ...as, channel }, { custom_id: customId, component_type: 2 }, m.object);
  }

  /** POST /interactions/{id}/{token}/callback: 204 once, within the deadline (else 10062); a second ack is 40060. */
  callback(req: FakeRequest, id: string, token: string): FakeResponse {
    const rec = this.#byId.get(id);
    if (!rec || rec.token !== token) return { status: 404, body: { message: "Unknown interaction", code: 10062 } };
    if (rec.callback) {
      this.doubleAcks.push(id);
      return { status: 400, body: { message: "Interaction has already been acknowledged.", code: 40060 } };
    }
    const now = Date.now();
    if (now - rec.createdAt > this.fake.ackDeadlineMs) {
      this.late.push(id);
      return { status: 404, body: { message: "Unknown interaction", code: 10062 } };
    }
    const body = (req.body ?? {}) as { type?: number; data?: Obj };
    const type = Number(body.type);
    const data = body.data;
    if (![1, 4, 5, 6, 7, 8, 9].includes(type)) return invalid("type", "Value must be one of {1, 4, 5, 6, 7, 8, 9}.");
    if ((type === 4 || type === 7) && data) {
      const errors = validateMessageBody(data);
      if (errors.count) return errors.response();
    }
    if (type === 8 && ((data?.choices as unknown[] | undefined)?.length ?? 0) > 25) return invalid("choices", "Must be 25 or fewer in length.");
    if (type === 9) {
      // A modal answers a command or a component, never an autocomplete or another modal's submission.
      if (rec.type === 4 || rec.type === 5) return { status: 400, body: { message: "Interaction response type is invalid for this interaction", code: 40004 } };
      const bad = modalProblem(data);
      if (bad) return invalid(bad[0], bad[1]);
    }
    if ((type === 6 || type === 7) && !rec.componentMessageId) return { status: 400, body: { message: "Interaction response type is invalid for this interaction", code: 40004 } };
    rec.callback = { type, data, at: now };
    if (type === 4 || type === 5) {
      const flags = Number(data?.flags ?? 0) & 64;
      rec.originalId = String(this.fake.storeMessage(rec.channelId, type === 4 ? (data ?? {}) : {}, "interaction", { flags: type === 5 ? flags | 128 : flags, type: 20 }).id);
    } else if (type === 6 || type === 7) {
      rec.originalId = rec.componentMessageId;
      if (type === 7 && data) this.fake.editMessage(rec.componentMessageId!, data);
    }
    if (type === 9) this.modals.set(id, { data: data!, user: rec.userId, channelId: rec.channelId });
    rec.waiter?.({ id, token, callback: { type, data }, latencyMs: now - rec.createdAt, messageId: rec.originalId });
    if (req.query.get("with_response") === "true") {
      return { status: 200, body: { interaction: { id, type: rec.type }, resource: { type, ...(rec.originalId ? { message: this.fake.message(rec.originalId)?.object } : {}) } } };
    }
    return { status: 204 };
  }

  /** GET | PATCH | DELETE /webhooks/{app}/{token}/messages/{@original | id}, with the token's lifetime enforced. */
  webhookMessage(req: FakeRequest, app: string, token: string, mid: string): FakeResponse {
    const rec = this.#tokenRec(app, token);
    if ("status" in rec) return rec;
    const id = mid === "@original" ? rec.originalId : rec.followups.includes(mid) || mid === rec.originalId ? mid : undefined;
    const m = id ? this.fake.message(id) : undefined;
    if (!id || !m) return { status: 404, body: { message: "Unknown Message", code: 10008 } };
    if (req.method === "GET") return { status: 200, body: m.object };
    if (req.method === "DELETE") {
      this.fake.deleteMessage(id);
      return { status: 204 };
    }
    const body = (req.body ?? {}) as Obj;
    const errors = validateMessageBody(body);
    if (errors.count) return errors.response();
    return { status: 200, body: this.fake.editMessage(id, body) };
  }

  /** POST /webhooks/{app}/{token}: a followup message (ephemeral with flags 64). */
  followup(req: FakeRequest, app: string, token: string): FakeResponse {
    const rec = this.#tokenRec(app, token);
    if ("status" in rec) return rec;
    if (!rec.callback) return { status: 404, body: { message: "Unknown Webhook", code: 10015 } };
    const body = (req.body ?? {}) as Obj;
    const errors = validateMessageBody(body);
    if (errors.count) return errors.response();
    const m = this.fake.storeMessage(rec.channelId, body, "followup", { flags: Number(body.flags ?? 0) & 64 });
    rec.followups.push(String(m.id));
    return { status: 200, body: m };
  }

  /** The interaction a token belongs to, or the error Discord gives (unknown: 10015; expired: 401 50027). */
  #tokenRec(app: string, token: string): Rec | FakeResponse {
    const rec = this.#byToken.get(token);
    if (!rec || app !== this.fake.appId) return { status: 404, body: { message: "Unknown Webhook", code: 10015 } };
    if (Date.now() - rec.createdAt > this.fake.tokenLifetimeMs) return { status: 401, body: { message: "Invalid Webhook Token", code: 50027 } };
    return rec;
  }

  #dispatch(type: number, as: InteractionAs, data: Obj, message?: Obj): Promise<InteractionResult> {
    const user = typeof as.user === "string" ? this.fake.user(as.user) : as.user ?? this.fake.user("alice");
    const channelId = as.channel ? this.fake.channels.get(as.channel) ?? as.channel : this.fake.channel();
    const rec: Rec = { id: snowflake(), token: `aW50ZXJhY3Rpb24.${randomBytes(24).toString("base64url")}`, type, createdAt: Date.now(), channelId, followups: [], userId: user.id, componentMessageId: message?.id as string | undefined };
    this.#byId.set(rec.id, rec);
    this.#byToken.set(rec.token, rec);
    const answered = new Promise<InteractionResult>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no callback to interaction ${rec.id} within ${this.fake.ackDeadlineMs + 1000} ms`)), this.fake.ackDeadlineMs + 1_000);
      rec.waiter = (r) => (clearTimeout(t), resolve(r));
    });
    const channel = [...this.fake.channels].find(([, id]) => id === channelId);
    this.fake.gateway.dispatch("INTERACTION_CREATE", {
      id: rec.id, application_id: this.fake.appId, type, token: rec.token, version: 1,
      guild_id: this.fake.guildId, channel_id: channelId,
      channel: { id: channelId, type: 0, guild_id: this.fake.guildId, name: channel?.[0] ?? "unknown", permissions: "2248473465835073" },
      guild: { id: this.fake.guildId, locale: "en-US", features: [] },
      member: memberObject(user, as.roles ?? [], new Date(Date.now() - 86_400_000).toISOString()),
      app_permissions: "2248473465835073", locale: "en-US", guild_locale: "en-US", entitlements: [],
      authorizing_integration_owners: { "0": this.fake.guildId }, context: 0, attachment_size_limit: 8_388_608,
      data, ...(message ? { message } : {}),
    });
    return answered;
  }

  /** The registered command a name starts with (`labops runner create`: command, group, subcommand), and the options of the last. */
  #command(name: string): { command: Obj; path: Obj[] } {
    const [root, ...subs] = name.split(" ");
    const command = this.fake.commands.find((c) => c.name === root);
    if (!command) throw new Error(`/${root} is not registered in the fake guild`);
    let path = (command.options as Obj[] | undefined) ?? [];
    for (const sub of subs) {
      const s = path.find((o) => o.name === sub && (o.type === 1 || o.type === 2));
      if (!s) throw new Error(`/${root} has no subcommand ${subs.join(" ")}`);
      path = (s.options as Obj[] | undefined) ?? [];
    }
    return { command, path };
  }

  #optionType(options: Obj[], name: string, value: string | number | boolean): number {
    const known = options.find((o) => o.name === name);
    if (known) return Number(known.type);
    if (typeof value === "boolean") return OPTION_TYPES.boolean;
    if (typeof value === "number") return Number.isInteger(value) ? OPTION_TYPES.integer : OPTION_TYPES.number;
    return OPTION_TYPES.string;
  }

  #nest(name: string, options: Obj[]): Obj[] {
    const [, ...subs] = name.split(" ");
    return subs.reduceRight<Obj[]>((inner, sub, i) => [{ name: sub, type: i < subs.length - 1 ? 2 : 1, options: inner }], options);
  }
}

function invalid(field: string, message: string): FakeResponse {
  return { status: 400, body: { message: "Invalid Form Body", code: 50035, errors: { [field]: { _errors: [{ code: "BASE_TYPE_INVALID", message }] } } } };
}

/** What Discord refuses in a modal (type 9 data): the field and its message, or undefined. */
function modalProblem(data: Obj | undefined): [string, string] | undefined {
  if (!data) return ["data", "This field is required"];
  const len = (v: unknown, max: number, min = 1) => typeof v === "string" && v.length >= min && v.length <= max;
  if (!len(data.custom_id, 100)) return ["data.custom_id", "Must be between 1 and 100 in length."];
  if (!len(data.title, 45)) return ["data.title", "Must be between 1 and 45 in length."];
  const rows = data.components as Obj[] | undefined;
  if (!Array.isArray(rows) || rows.length < 1 || rows.length > 5) return ["data.components", "Must be between 1 and 5 in length."];
  const ids = new Set<string>();
  for (const [i, row] of rows.entries()) {
    const cs = row.components as Obj[] | undefined;
    if (row.type !== 1 || !Array.isArray(cs) || cs.length !== 1) return [`data.components.${i}.components`, "Must be 1 in length."];
    const c = cs[0]!;
    const at = `data.components.${i}.components.0`;
    if (c.type !== 4) return [`${at}.type`, "Value must be one of {4}."];
    if (!len(c.custom_id, 100) || ids.has(String(c.custom_id))) return [`${at}.custom_id`, "Must be between 1 and 100 in length and unique."];
    ids.add(String(c.custom_id));
    if (c.style !== 1 && c.style !== 2) return [`${at}.style`, "Value must be one of {1, 2}."];
    if (!len(c.label, 45)) return [`${at}.label`, "Must be between 1 and 45 in length."];
    if (c.placeholder !== undefined && !len(c.placeholder, 100, 0)) return [`${at}.placeholder`, "Must be 100 or fewer in length."];
    if (c.value !== undefined && !len(c.value, 4000, 0)) return [`${at}.value`, "Must be 4000 or fewer in length."];
    if (c.min_length !== undefined && (typeof c.min_length !== "number" || c.min_length < 0 || c.min_length > 4000)) return [`${at}.min_length`, "int value should be between 0 and 4000."];
    if (c.max_length !== undefined && (typeof c.max_length !== "number" || c.max_length < 1 || c.max_length > 4000)) return [`${at}.max_length`, "int value should be between 1 and 4000."];
  }
  return undefined;
}
