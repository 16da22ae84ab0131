import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import { DEFAULT_SLACK_LIMITS, SlackRateLimiter, type SlackLimits } from "./fake-slack-limits.ts";

export interface FakeSlackUser {
  id: string;
  name: string;
}
export interface FakeSlackUserGroup {
  id: string;
  handle: string;
  name?: string | undefined;
  users: string[];
}

export interface FakeSlackOptions {
  teamId?: string | undefined;
  teamDomain?: string | undefined;
  appId?: string | undefined;
  botToken?: string | undefined;
  appToken?: string | undefined;
  signingSecret?: string | undefined;
  users?: FakeSlackUser[] | undefined;
  usergroups?: FakeSlackUserGroup[] | undefined;
  channels?: { id: string; name: string }[] | undefined;
  /** Slack's acknowledgement deadline for slash commands and interactions. Default 3000 ms. */
  ackDeadlineMs?: number | undefined;
  /** Rate limits; `timeScale` compresses every window for tests. */
  limits?: Partial<SlackLimits> | undefined;
  /** response_url: uses and lifetime (Slack: 5 uses within 30 minutes). */
  responseUrlUses?: number | undefined;
  responseUrlTtlMs?: number | undefined;
  /** Server pings on Socket Mode connections (Slack pings regularly). 0 = off. Default 5000 ms. */
  pingIntervalMs?: number | undefined;
}

/** One Web API call as the fake saw it (the token is never recorded). */
export interface SlackCall {
  method: string;
  at: number;
  status: number;
  ok: boolean;
  error?: string | undefined;
  args: Record<string, unknown>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string | undefined;
  deleted: boolean;
  /** Every state, first the post, then each edit, with when and how it arrived. */
  history: { at: number; text: string; blocks: unknown[]; via: string }[];
}

export interface EphemeralMessage {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  at: number;
  via: "ack" | "response_url" | "chat.postEphemeral";
  replaced: number;
}

export interface AckRecord {
  envelopeId: string;
  type: "slash_commands" | "interactive";
  latencyMs: number;
  payload: Record<string, unknown>;
}

export interface AckFailure {
  envelopeId: string;
  type: string;
  reason: "timeout" | "late" | "http_status";
  latencyMs: number;
  detail?: string | undefined;
}

interface Pending {
  type: AckRecord["type"];
  sentAt: number;
  timer: NodeJS.Timeout;
  resolve: (r: AckRecord) => void;
  reject: (e: Error) => void;
  onPayload: (payload: Record<string, unknown>) => void;
}

interface ResponseUrl {
  uses: number;
  createdAt: number;
  channel: string;
  user: string;
  original?: { kind: "channel"; ts: string } | { kind: "ephemeral"; ts: string } | undefined;
}

type ApiResult = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/**
 * A faithful, small Slack for tests and the demo: the Web API (`POST /api/<method>`, form-encoded or
 * JSON, bearer auth, `ok:false` errors on HTTP 200, 429 + Retry-After over the rate limits), Socket Mode
 * (`apps.connections.open` → `ws://…/link/?ticket=…`, hello, envelopes, acks timed against the 3 s
 * deadline, disconnect/refresh), response_url with its 5-use budget, and signed HTTP delivery (Events
 * API request URL) for HTTP mode. Records every call with timestamps.
 */
export class FakeSlack {
  readonly teamId: string;
  readonly teamDomain: string;
  readonly appId: string;
  readonly botToken: string;
  readonly appToken: string;
  readonly signingSecret: string;
  readonly botUserId = "UBOT0LABOPS";
  readonly botId = "BBOT0LABOPS";
  readonly calls: SlackCall[] = [];
  readonly acks: AckRecord[] = [];
  readonly ackFailures: AckFailure[] = [];
  readonly ephemerals: EphemeralMessage[] = [];
  /** Requests answered 429 because they went over a real limit (a well-behaved client keeps this at 0). */
  readonly overLimit: Record<string, number> = {};
  /** 429s answered because a test injected them. */
  readonly injected: Record<string, number> = {};
  /** Bodies POSTed to response_urls, in order. */
  readonly responses: { id: string; at: number; status: number; body: Record<string, unknown> }[] = [];
  /** Socket Mode connections opened so far (a reconnect adds one). */
  connectionsOpened = 0;
  /** Where slash commands and clicks are delivered in HTTP mode (unset: Socket Mode). */
  requestUrl: string | undefined;
  url = "";

  readonly #opts: FakeSlackOptions;
  readonly #users: Map<string, FakeSlackUser>;
  readonly #groups: FakeSlackUserGroup[];
  readonly #channels: Map<string, string>;
  readonly #messages = new Map<string, StoredMessage>();
  readonly #limiter: SlackRateLimiter;
  readonly #injections = new Map<string, { left: number; retryAfterSec: number }>();
  readonly #tickets = new Set<string>();
  readonly #responseUrls = new Map<string, ResponseUrl>();
  readonly #pending = new Map<string, Pending>();
  readonly #sockets = new Set<WebSocket>();
  readonly #helloSent = new Set<WebSocket>();
  readonly #server: Server;
  readonly #wss = new WebSocketServer({ noServer: true });
  #ping: NodeJS.Timeout | undefined;
  #tsSeq = 0;
  #envSeq = 0;

  constructor(opts: FakeSlackOptions = {}) {
    this.#opts = opts;
    this.teamId = opts.teamId ?? "T0LABOPS";
    this.teamDomain = opts.teamDomain ?? "homelab";
    this.appId = opts.appId ?? "A0LABOPS";
    this.botToken = opts.botToken ?? `xoxb-fake-${randomBytes(8).toString("hex")}`;
    this.appToken = opts.appToken ?? `xapp-1-fake-${randomBytes(8).toString("hex")}`;
    this.signingSecret = opts.signingSecret ?? randomBytes(16).toString("hex");
    this.#users = new Map((opts.users ?? [{ id: "U0ALICE", name: "alice" }, { id: "U0BOB", name: "bob" }]).map((u) => [u.id, u]));
    this.#groups = opts.usergroups ?? [];
    this.#channels = new Map((opts.channels ?? [{ id: "C0OPS", name: "ops" }, { id: "C0ALERTS", name: "alerts" }]).map((c) => [c.id, c.name]));
    this.#limiter = new SlackRateLimiter({ ...DEFAULT_SLACK_LIMITS, ...opts.limits, perMinute: { ...DEFAULT_SLACK_LIMITS.perMinute, ...opts.limits?.perMinute } });
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.on("upgrade", (req, socket, head) => this.#upgrade(req, socket, head));
    this.#wss.on("connection", (ws) => this.#accept(ws));
  }

  /** Listens on 127.0.0.1:0; resolves to the Web API base URL (`http://127.0.0.1:P/api/`). */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    const port = (this.#server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    const every = this.#opts.pingIntervalMs ?? 5_000;
    if (every > 0) {
      this.#ping = setInterval(() => this.#sockets.forEach((ws) => ws.readyState === ws.OPEN && ws.ping()), every);
      this.#ping.unref();
    }
    return `${this.url}/api/`;
  }

  async close(): Promise<void> {
    if (this.#ping) clearInterval(this.#ping);
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    for (const ws of this.#sockets) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  // ---- what tests and the demo look at ----

  /** Channel messages (posted by the app), oldest first. */
  messages(channel?: string): StoredMessage[] {
    return [...this.#messages.values()].filter((m) => !channel || m.channel === channel);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.#messages.get(`${channel}/${ts}`);
  }

  count(method: string, pred: (c: SlackCall) => boolean = () => true): number {
    return this.calls.filter((c) => c.method === method && pred(c)).length;
  }

  get openConnections(): number {
    return [...this.#sockets].filter((ws) => ws.readyState === ws.OPEN).length;
  }

  /** Answers the next `times` calls of `method` with 429 + Retry-After (seconds). */
  injectRateLimit(method: string, times: number, retryAfterSec = 1): void {
    this.#injections.set(method, { left: times, retryAfterSec });
  }

  /** Polls until `pred` holds. */
  async waitFor<T>(pred: () => T | undefined | false, timeoutMs = 20_000, what = "condition"): Promise<T> {
    const t0 = Date.now();
    for (;;) {
      const v = pred();
      if (v) return v;
      if (Date.now() - t0 > timeoutMs) throw new Error(`fake slack: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  waitForConnection(timeoutMs = 10_000): Promise<true> {
    return this.waitFor(() => (this.openConnections > 0 && this.#helloSent.size > 0) || undefined, timeoutMs, "a Socket Mode connection");
  }

  // ---- user actions ----

  /**
   * A person runs `/command text`. Delivered over Socket Mode (or signed HTTP when `requestUrl` is set);
   * resolves with the acknowledgement and its latency, rejects when no ack arrives within the deadline.
   */
  slash(command: string, text: string, opts: { user?: string | undefined; channel?: string | undefined } = {}): Promise<AckRecord> {
    const user = this.#user(opts.user ?? "U0ALICE");
    const channel = opts.channel ?? "C0OPS";
    const responseId = this.#responseUrl({ channel, user: user.id });
    const payload = {
      token: "vtok-legacy", team_id: this.teamId, team_domain: this.teamDomain, channel_id: channel, channel_name: this.#channels.get(channel) ?? "unknown",
      user_id: user.id, user_name: user.name, command: command.startsWith("/") ? command : `/${command}`, text, api_app_id: this.appId,
      is_enterprise_install: "false", response_url: `${this.url}/response/${responseId}`, trigger_id: `${Date.now()}.${++this.#envSeq}.${randomBytes(8).toString("hex")}`,
    };
    const onPayload = (ack: Record<string, unknown>) => {
      if (ack.text === undefined && ack.blocks === undefined) return;
      if (ack.response_type === "in_channel") this.#store(channel, ack, "ack");
      else this.#ephemeral(channel, user.id, ack, "ack");
    };
    if (this.requestUrl) return this.#deliverHttp("slash_commands", new URLSearchParams(payload).toString(), onPayload);
    return this.#deliverSocket("slash_commands", payload, true, onPayload);
  }

  /**
   * A person clicks a button. With `messageTs`, on that channel message; without, on the newest
   * ephemeral message of theirs that carries the button. Slack's client has already shown any confirm
   * dialog; the app hears only confirmed clicks.
   */
  click(actionId: string, opts: { user?: string | undefined; channel?: string | undefined; messageTs?: string | undefined } = {}): Promise<AckRecord> {
    const user = this.#user(opts.user ?? "U0ALICE");
    const channel = opts.channel ?? "C0OPS";
    let container: Record<string, unknown>;
    let message: Record<string, unknown> | undefined;
    let blocks: unknown[];
    let original: ResponseUrl["original"];
    if (opts.messageTs) {
      const m = this.message(channel, opts.messageTs);
      if (!m || m.deleted) throw new Error(`fake slack: no message ${opts.messageTs} in ${channel}`);
      blocks = m.blocks;
      container = { type: "message", message_ts: m.ts, channel_id: channel, is_ephemeral: false };
      message = { type: "message", ts: m.ts, text: m.text, blocks: m.blocks, user: this.botUserId, bot_id: this.botId, team: this.teamId };
      original = { kind: "channel", ts: m.ts };
    } else {
      const e = [...this.ephemerals].reverse().find((x) => x.user === user.id && x.channel === channel && findButton(x.blocks, actionId));
      if (!e) throw new Error(`fake slack: ${user.name} sees no ephemeral message with button ${actionId}`);
      blocks = e.blocks;
      container = { type: "message", message_ts: e.ts, channel_id: channel, is_ephemeral: true };
      original = { kind: "ephemeral", ts: e.ts };
    }
    const found = findButton(blocks, actionId);
    if (!found) throw new Error(`fake slack: that message has no button ${actionId}`);
    const responseId = this.#responseUrl({ channel, user: user.id, original });
    const payload = {
      type: "block_actions", api_app_id: this.appId, token: "vtok-legacy", trigger_id: `${Date.now()}.${++this.#envSeq}.${randomBytes(8).toString("hex")}`,
      team: { id: this.teamId, domain: this.teamDomain }, enterprise: null, is_enterprise_install: false,
      user: { id: user.id, username: user.name, name: user.name, team_id: this.teamId },
      channel: { id: channel, name: this.#channels.get(channel) ?? "unknown" }, container, ...(message ? { message } : {}),
      response_url: `${this.url}/response/${responseId}`, state: { values: {} },
      actions: [{ ...found.button, block_id: found.blockId, action_ts: `${(Date.now() / 1000).toFixed(6)}` }],
    };
    if (this.requestUrl) return this.#deliverHttp("interactive", new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), () => {});
    return this.#deliverSocket("interactive", payload, false, () => {});
  }

  /** Asks every connected client to reconnect (`refresh_requested`, `warning`, `link_disabled`). */
  disconnect(reason: "refresh_requested" | "warning" | "link_disabled" = "refresh_requested"): void {
    for (const ws of this.#sockets) ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake-slack" } }));
  }

  /** Drops every Socket Mode connection without a close handshake (a network failure). */
  dropSocket(): void {
    for (const ws of this.#sockets) ws.terminate();
  }

  /** POSTs a body to `requestUrl` signed with `secret` (default the real one) at `timestampSec`: for signature tests. */
  async postSigned(body: string, opts: { timestampSec?: number | undefined; secret?: string | undefined; contentType?: string | undefined } = {}): Promise<{ status: number; text: string; latencyMs: number }> {
    if (!this.requestUrl) throw new Error("fake slack: requestUrl is not set");
    const ts = String(opts.timestampSec ?? Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac("sha256", opts.secret ?? this.signingSecret).update(`v0:${ts}:${body}`).digest("hex")}`;
    const t0 = performance.now();
    const res = await fetch(this.requestUrl, {
      method: "POST", body, signal: AbortSignal.timeout(this.#deadline() + 2_000),
      headers: { "content-type": opts.contentType ?? "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": sig },
    });
    const text = await res.text();
    return { status: res.status, text, latencyMs: performance.now() - t0 };
  }

  // ---- Socket Mode ----

  #upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const u = new URL(req.url ?? "/", "http://fake");
    const ticket = u.searchParams.get("ticket") ?? "";
    if (u.pathname !== "/link/" || !this.#tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#wss.emit("connection", ws, req));
  }

  #accept(ws: WebSocket): void {
    this.#sockets.add(ws);
    this.connectionsOpened++;
    ws.on("close", () => {
      this.#sockets.delete(ws);
      this.#helloSent.delete(ws);
    });
    ws.on("message", (data) => this.#onAck(String(data)));
    ws.send(JSON.stringify({ type: "hello", num_connections: this.#sockets.size, debug_info: { host: "fake-slack", build_number: 1, approximate_connection_time: 18_060 }, connection_info: { app_id: this.appId } }));
    this.#helloSent.add(ws);
  }

  #onAck(raw: string): void {
    let msg: { envelope_id?: string; payload?: Record<string, unknown> };
    try {
      msg = JSON.parse(raw);
    } catch {
      return;
    }
    const p = msg.envelope_id ? this.#pending.get(msg.envelope_id) : undefined;
    const latencyMs = p ? performance.now() - p.sentAt : 0;
    if (!p) {
      this.ackFailures.push({ envelopeId: msg.envelope_id ?? "?", type: "unknown", reason: "late", latencyMs, detail: "ack for an envelope that already timed out or never existed" });
      return;
    }
    this.#pending.delete(msg.envelope_id!);
    clearTimeout(p.timer);
    const rec: AckRecord = { envelopeId: msg.envelope_id!, type: p.type, latencyMs, payload: msg.payload ?? {} };
    this.acks.push(rec);
    p.onPayload(rec.payload);
    p.resolve(rec);
  }

  #deliverSocket(type: AckRecord["type"], payload: object, acceptsResponse: boolean, onPayload: Pending["onPayload"]): Promise<AckRecord> {
    const ws = [...this.#sockets].reverse().find((s) => s.readyState === s.OPEN && this.#helloSent.has(s));
    if (!ws) return Promise.reject(new Error("fake slack: dispatch_failed (no Socket Mode connection)"));
    const envelopeId = randomUUID();
    return new Promise<AckRecord>((resolve, reject) => {
      const sentAt = performance.now();
      const timer = setTimeout(() => {
        this.#pending.delete(envelopeId);
        this.ackFailures.push({ envelopeId, type, reason: "timeout", latencyMs: performance.now() - sentAt });
        reject(new Error(`fake slack: no ack for ${type} within ${this.#deadline()} ms (operation_timeout)`));
      }, this.#deadline());
      timer.unref();
      this.#pending.set(envelopeId, { type, sentAt, timer, resolve, reject, onPayload });
      ws.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: acceptsResponse, payload }));
    });
  }

  async #deliverHttp(type: AckRecord["type"], body: string, onPayload: Pending["onPayload"]): Promise<AckRecord> {
    const envelopeId = randomUUID();
    const res = await this.postSigned(body);
    if (res.status !== 200 || res.latencyMs > this.#deadline()) {
      const reason = res.status !== 200 ? "http_status" : "late";
      this.ackFailures.push({ envelopeId, type, reason, latencyMs: res.latencyMs, detail: `HTTP ${res.status}` });
      throw new Error(`fake slack: request URL answered ${res.status} after ${Math.round(res.latencyMs)} ms`);
    }
    let payload: Record<string, unknown> = {};
    if (res.text) {
      try {
        payload = JSON.parse(res.text);
      } catch {
        payload = { text: res.text };
      }
    }
    const rec: AckRecord = { envelopeId, type, latencyMs: res.latencyMs, payload };
    this.acks.push(rec);
    onPayload(payload);
    return rec;
  }

  #deadline(): number {
    return this.#opts.ackDeadlineMs ?? 3_000;
  }

  // ---- HTTP: Web API and response_url ----

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const path = new URL(req.url ?? "/", "http://fake").pathname;
    const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
    if (req.method === "POST" && api) return reply(res, this.#api(api[1]!, req, raw));
    const resp = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
    if (req.method === "POST" && resp) return this.#respond(resp[1]!, raw, res);
    res.writeHead(404, { "content-type": "text/plain" }).end("404 Not Found");
  }

  #api(method: string, req: IncomingMessage, raw: string): ApiResult {
    const args = parseArgs(raw, req.headers["content-type"]);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? (typeof args.token === "string" ? args.token : undefined);
    delete args.token;
    const at = Date.now();
    const result = this.#apiResult(method, args, bearer, at);
    this.calls.push({ method, at, status: result.status, ok: result.body.ok === true, error: result.body.error as string | undefined, args });
    return result;
  }

  #apiResult(method: string, args: Record<string, unknown>, token: string | undefined, at: number): ApiResult {
    const handler = this.#methods()[method];
    if (!handler) return ok200({ ok: false, error: "unknown_method" });
    if (!token) return ok200({ ok: false, error: "not_authed" });
    const wantApp = method === "apps.connections.open";
    if (token !== this.botToken && token !== this.appToken) return ok200({ ok: false, error: "invalid_auth" });
    if ((token === this.appToken) !== wantApp) return ok200({ ok: false, error: "not_allowed_token_type" });
    const inj = this.#injections.get(method);
    if (inj && inj.left > 0) {
      inj.left--;
      this.injected[method] = (this.injected[method] ?? 0) + 1;
      return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(inj.retryAfterSec) } };
    }
    const waitMs = this.#limiter.check(method, typeof args.channel === "string" ? args.channel : undefined, at);
    if (waitMs > 0) {
      this.overLimit[method] = (this.overLimit[method] ?? 0) + 1;
      return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) } };
    }
    return ok200(handler(args, at));
  }

  #methods(): Record<string, (a: Record<string, unknown>, at: number) => Record<string, unknown>> {
    return {
      "auth.test": () => ({ ok: true, url: `https://${this.teamDomain}.slack.com/`, team: this.teamDomain, user: "labops", team_id: this.teamId, user_id: this.botUserId, bot_id: this.botId, is_enterprise_install: false }),
      "apps.connections.open": () => {
        const ticket = randomUUID();
        this.#tickets.add(ticket);
        return { ok: true, url: `${this.url.replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=${this.appId}` };
      },
      "chat.postMessage": (a) => {
        const bad = this.#checkMessage(a);
        if (bad) return bad;
        const m = this.#store(String(a.channel), a, "chat.postMessage");
        return { ok: true, channel: m.channel, ts: m.ts, message: { type: "message", subtype: "bot_message", text: m.text, blocks: m.blocks, ts: m.ts, bot_id: this.botId, user: this.botUserId } };
      },
      "chat.update": (a, at) => {
        const m = this.message(String(a.channel), String(a.ts));
        if (!m || m.deleted) return { ok: false, error: "message_not_found" };
        const bad = this.#checkMessage(a);
        if (bad) return bad;
        m.text = typeof a.text === "string" ? a.text : m.text;
        m.blocks = Array.isArray(a.blocks) ? a.blocks : m.blocks;
        m.history.push({ at, text: m.text, blocks: m.blocks, via: "chat.update" });
        return { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: { text: m.text, blocks: m.blocks, user: this.botUserId, bot_id: this.botId } };
      },
      "chat.postEphemeral": (a) => {
        const bad = this.#checkMessage(a);
        if (bad) return bad;
        if (typeof a.user !== "string" || !this.#users.has(a.user)) return { ok: false, error: "user_not_in_channel" };
        const e = this.#ephemeral(String(a.channel), a.user, a, "chat.postEphemeral");
        return { ok: true, message_ts: e.ts };
      },
      "usergroups.list": (a) => ({
        ok: true,
        usergroups: this.#groups.map((g) => ({
          id: g.id, team_id: this.teamId, is_usergroup: true, is_subteam: true, name: g.name ?? g.handle, description: "", handle: g.handle,
          is_external: false, date_create: 1_700_000_000, date_update: 1_700_000_000, date_delete: 0, auto_type: null, created_by: "U0ADMIN",
          updated_by: "U0ADMIN", deleted_by: null, prefs: { channels: [], groups: [] }, user_count: g.users.length,
          ...(a.include_users === true || a.include_users === "true" ? { users: [...g.users] } : {}),
        })),
      }),
    };
  }

  /** What Slack refuses before storing: unknown channel, no content, or Block Kit over its limits. */
  #checkMessage(a: Record<string, unknown>): Record<string, unknown> | undefined {
    if (typeof a.channel !== "string" || !this.#channels.has(a.channel)) return { ok: false, error: "channel_not_found" };
    if (a.text === undefined && a.blocks === undefined) return { ok: false, error: "no_text" };
    if (typeof a.text === "string" && a.text.length > 40_000) return { ok: false, error: "msg_too_long" };
    if (a.blocks !== undefined && !validBlocks(a.blocks)) return { ok: false, error: "invalid_blocks" };
    return undefined;
  }

  #respond(id: string, raw: string, res: ServerResponse): void {
    const r = this.#responseUrls.get(id);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(raw || "{}");
    } catch {
      return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
    }
    const status = !r ? 404 : Date.now() - r.createdAt > (this.#opts.responseUrlTtlMs ?? 30 * 60_000) ? 404 : r.uses >= (this.#opts.responseUrlUses ?? 5) ? 404 : 200;
    this.responses.push({ id, at: Date.now(), status, body });
    if (!r || status !== 200) {
      const err = !r ? "invalid_url" : r.uses >= (this.#opts.responseUrlUses ?? 5) ? "used_url" : "expired_url";
      return void res.writeHead(404, { "content-type": "text/plain" }).end(err);
    }
    r.uses++;
    const orig = r.original;
    if (orig && (body.replace_original === true || body.delete_original === true)) {
      if (orig.kind === "channel") {
        const m = this.message(r.channel, orig.ts);
        if (m && body.delete_original) m.deleted = true;
        else if (m) {
          m.text = typeof body.text === "string" ? body.text : m.text;
          m.blocks = Array.isArray(body.blocks) ? body.blocks : [];
          m.history.push({ at: Date.now(), text: m.text, blocks: m.blocks, via: "response_url" });
        }
      } else {
        const e = this.ephemerals.find((x) => x.ts === orig.ts);
        if (e) {
          e.text = body.delete_original ? "" : typeof body.text === "string" ? body.text : e.text;
          e.blocks = body.delete_original ? [] : Array.isArray(body.blocks) ? body.blocks : [];
          e.replaced++;
        }
      }
    } else if (body.response_type === "in_channel") this.#store(r.channel, body, "response_url");
    else this.#ephemeral(r.channel, r.user, body, "response_url");
    res.writeHead(200, { "content-type": "text/plain" }).end("ok");
  }

  // ---- store ----

  #nextTs(): string {
    return `${Math.floor(Date.now() / 1000)}.${String(++this.#tsSeq).padStart(6, "0")}`;
  }

  #store(channel: string, a: Record<string, unknown>, via: string): StoredMessage {
    const ts = this.#nextTs();
    const text = typeof a.text === "string" ? a.text : "";
    const blocks = Array.isArray(a.blocks) ? a.blocks : [];
    const m: StoredMessage = { channel, ts, text, blocks, threadTs: typeof a.thread_ts === "string" ? a.thread_ts : undefined, deleted: false, history: [{ at: Date.now(), text, blocks, via }] };
    this.#messages.set(`${channel}/${ts}`, m);
    return m;
  }

  #ephemeral(channel: string, user: string, a: Record<string, unknown>, via: EphemeralMessage["via"]): EphemeralMessage {
    const e: EphemeralMessage = { ts: this.#nextTs(), channel, user, text: typeof a.text === "string" ? a.text : "", blocks: Array.isArray(a.blocks) ? a.blocks : [], at: Date.now(), via, replaced: 0 };
    this.ephemerals.push(e);
    return e;
  }

  #responseUrl(r: Omit<ResponseUrl, "uses" | "createdAt">): string {
    const id = randomBytes(12).toString("base64url");
    this.#responseUrls.set(id, { ...r, uses: 0, createdAt: Date.now() });
    return id;
  }

  #user(id: string): FakeSlackUser {
    const u = this.#users.get(id);
    if (!u) throw new Error(`fake slack: no user ${id}`);
    return u;
  }
}

function ok200(body: Record<string, unknown>): ApiResult {
  return { status: 200, body };
}

function reply(res: ServerResponse, r: ApiResult): void {
  const text = JSON.stringify(r.body);
  res.writeHead(r.status, { "content-type": "application/json; charset=utf-8", "content-length": String(Buffer.byteLength(text)), ...r.headers });
  res.end(text);
}

/** Web API bodies: form-encoded with nested objects as JSON strings (what @slack/web-api sends), or JSON. */
function parseArgs(raw: string, contentType: string | undefined): Record<string, unknown> {
  if (!raw) return {};
  if (contentType?.includes("application/json")) {
    try {
      return JSON.parse(raw) as Record<string, unknown>;
    } catch {
      return {};
    }
  }
  const out: Record<string, unknown> = Object.fromEntries(new URLSearchParams(raw));
  for (const k of ["blocks", "attachments", "metadata"]) {
    if (typeof out[k] === "string") {
      try {
        out[k] = JSON.parse(out[k] as string);
      } catch {
        out[k] = "<invalid json>";
      }
    }
  }
  return out;
}

/** The Block Kit limits labops relies on: ≤ 50 blocks, section text ≤ 3000, header ≤ 150, ≤ 10 fields, ≤ 25 actions. */
export function validBlocks(blocks: unknown): boolean {
  if (!Array.isArray(blocks) || blocks.length > 50) return false;
  return blocks.every((b: { type?: string; text?: { text?: string }; fields?: unknown[]; elements?: unknown[] }) => {
    if (b.type === "header") return (b.text?.text?.length ?? 0) <= 150;
    if (b.type === "section") return (b.text?.text?.length ?? 0) <= 3000 && (b.fields?.length ?? 0) <= 10 && (b.text !== undefined || b.fields !== undefined);
    if (b.type === "actions") return (b.elements?.length ?? 0) >= 1 && (b.elements?.length ?? 0) <= 25;
    if (b.type === "context") return (b.elements?.length ?? 0) >= 1 && (b.elements?.length ?? 0) <= 10;
    return ["divider", "image", "input", "rich_text", "file", "video", "markdown"].includes(String(b.type));
  });
}

/** The button with this action_id in a message's blocks, with its block id. */
function findButton(blocks: unknown[], actionId: string): { button: Record<string, unknown>; blockId: string } | undefined {
  for (const b of blocks as { type?: string; block_id?: string; elements?: Record<string, unknown>[] }[]) {
    if (b.type !== "actions") continue;
    const button = b.elements?.find((e) => e.type === "button" && e.action_id === actionId);
    if (button) return { button, blockId: b.block_id ?? "actions" };
  }
  return undefined;
}
