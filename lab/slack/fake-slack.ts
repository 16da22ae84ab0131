import { createHmac, randomBytes } from "node:crypto";
import type { AddressInfo } from "node:net";
import type { AckFailure, AckRecord, EphemeralMessage, FakeSlackOptions, SlackCall, StoredMessage } from "./options.ts";
import { createSlackState, type SlackState } from "./state.ts";
import { ackDeadline, deliveriesPerConnection, markDraining } from "./socket.ts";
import { clickButton, slashCommand } from "./actions.ts";
import { submitView, type FakeSlackView } from "./views.ts";

export type { AckFailure, AckRecord, EphemeralMessage, FakeSlackOptions, FakeSlackUser, FakeSlackUserGroup, SlackCall, StoredMessage } from "./options.ts";
export { validBlocks } from "./blocks.ts";

/**
 * A faithful, small Slack for tests and the demo: the Web API (`POST /api/<method>`, form-encoded or
 * JSON, bearer auth, `ok:false` errors on HTTP 200, 429 + Retry-After over the rate limits), Socket Mode
 * (`apps.connections.open` → `ws://…/link/?ticket=…`, hello, envelopes, acks timed against the 3 s
 * deadline, disconnect/refresh), response_url with its 5-use budget, and signed HTTP delivery (Events
 * API request URL) for HTTP mode. Records every call with timestamps. The Web API, Socket Mode and message
 * store live in the `fake-slack-*` modules.
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
  /** Answers a test injected (429s and `ok:false` errors), per method. */
  readonly injected: Record<string, number> = {};
  /** Bodies POSTed to response_urls, in order. */
  readonly responses: { id: string; at: number; status: number; body: Record<string, unknown> }[] = [];
  /** Socket Mode connections opened so far (a reconnect adds one). */
  connectionsOpened = 0;
  /** Where slash commands and clicks are delivered in HTTP mode (unset: Socket Mode). */
  requestUrl: string | undefined;
  url = "";

  readonly #st: SlackState;

  constructor(opts: FakeSlackOptions = {}) {
    this.teamId = opts.teamId ?? "T0LABOPS";
    this.teamDomain = opts.teamDomain ?? "homelab";
    this.appId = opts.appId ?? "A0LABOPS";
    this.botToken = opts.botToken ?? `xoxb-fake-${randomBytes(8).toString("hex")}`;
    this.appToken = opts.appToken ?? `xapp-1-fake-${randomBytes(8).toString("hex")}`;
    this.signingSecret = opts.signingSecret ?? randomBytes(16).toString("hex");
    this.#st = createSlackState(this, opts);
  }

  /** Listens on 127.0.0.1:0; resolves to the Web API base URL (`http://127.0.0.1:P/api/`). */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#st.server.listen(0, "127.0.0.1", resolve));
    const port = (this.#st.server.address() as AddressInfo).port;
    this.url = `http://127.0.0.1:${port}`;
    const every = this.#st.opts.pingIntervalMs ?? 5_000;
    if (every > 0) {
      this.#st.ping = setInterval(() => this.#st.sockets.forEach((ws) => ws.readyState === ws.OPEN && ws.ping()), every);
      this.#st.ping.unref();
    }
    return `${this.url}/api/`;
  }

  async close(): Promise<void> {
    if (this.#st.ping) clearInterval(this.#st.ping);
    for (const p of this.#st.pending.values()) clearTimeout(p.timer);
    for (const ws of this.#st.sockets) ws.terminate();
    await new Promise<void>((resolve) => this.#st.wss.close(() => resolve()));
    this.#st.server.closeAllConnections();
    await new Promise<void>((resolve) => this.#st.server.close(() => resolve()));
  }

  // ---- what tests and the demo look at ----

  /** Channel messages (posted by the app), oldest first. */
  messages(channel?: string): StoredMessage[] {
    return [...this.#st.messages.values()].filter((m) => !channel || m.channel === channel);
  }

  message(channel: string, ts: string): StoredMessage | undefined {
    return this.#st.messages.get(`${channel}/${ts}`);
  }

  count(method: string, pred: (c: SlackCall) => boolean = () => true): number {
    return this.calls.filter((c) => c.method === method && pred(c)).length;
  }

  /** Envelopes sent on each open Socket Mode connection, oldest connection first. */
  get deliveriesPerConnection(): number[] {
    return deliveriesPerConnection(this.#st);
  }

  get openConnections(): number {
    return [...this.#st.sockets].filter((ws) => ws.readyState === ws.OPEN).length;
  }

  /** Answers the next `times` calls of `method` with 429 + Retry-After (seconds). */
  injectRateLimit(method: string, times: number, retryAfterSec = 1): void {
    this.#st.injections.set(method, { left: times, retryAfterSec });
  }

  /**
   * Answers the next `times` calls of `method` (default: every one until cleared) with `ok:false` and
   * `error`, as Slack does for `missing_scope`, `paid_teams_only`, `fatal_error` or `invalid_auth`.
   */
  injectError(method: string, error: string, times = Number.POSITIVE_INFINITY): void {
    this.#st.injections.set(method, { left: times, retryAfterSec: 0, error });
  }

  /** Removes what was injected for `method`. */
  clearInjection(method: string): void {
    this.#st.injections.delete(method);
  }

  /** Replaces the members of a user group (usergroups.users.update, as an admin would). */
  setGroupMembers(groupId: string, users: string[]): void {
    const g = this.#st.groups.find((x) => x.id === groupId);
    if (!g) throw new Error(`fake slack: no user group ${groupId}`);
    g.users = [...users];
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
    return this.waitFor(() => (this.openConnections > 0 && this.#st.helloSent.size > 0) || undefined, timeoutMs, "a Socket Mode connection");
  }

  // ---- user actions ----

  /**
   * A person runs `/command text`. Delivered over Socket Mode (or signed HTTP when `requestUrl` is set);
   * resolves with the acknowledgement and its latency, rejects when no ack arrives within the deadline.
   */
  slash(command: string, text: string, opts: { user?: string | undefined; channel?: string | undefined } = {}): Promise<AckRecord> {
    return slashCommand(this.#st, command, text, opts);
  }

  /**
   * A person clicks a button. With `messageTs`, on that channel message; without, on the newest
   * ephemeral message of theirs that carries the button. Slack's client has already shown any confirm
   * dialog; the app hears only confirmed clicks.
   */
  /** Views opened with views.open, by id (open, errors shown by the last submission's ack). */
  view(id: string): FakeSlackView | undefined {
    return this.#st.views.get(id);
  }

  /** The newest view opened for this user. */
  lastView(user = "U0ALICE"): FakeSlackView | undefined {
    return [...this.#st.views.values()].filter((v) => v.user === user).at(-1);
  }

  /** The person submits an open modal, answers by block_id; resolves with labops' ack. */
  submitView(viewId: string, answers: Record<string, string | string[]>): Promise<AckRecord> {
    return submitView(this.#st, viewId, answers);
  }

  click(actionId: string, opts: { user?: string | undefined; channel?: string | undefined; messageTs?: string | undefined } = {}): Promise<AckRecord> {
    return clickButton(this.#st, actionId, opts);
  }

  /** Asks every connected client to reconnect (`refresh_requested`, `warning`, `link_disabled`). */
  disconnect(reason: "refresh_requested" | "warning" | "link_disabled" = "refresh_requested"): void {
    for (const ws of this.#st.sockets) {
      markDraining(ws);
      ws.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "fake-slack" } }));
    }
  }

  /** Drops every Socket Mode connection without a close handshake (a network failure). */
  dropSocket(): void {
    for (const ws of this.#st.sockets) ws.terminate();
  }

  /** POSTs a body to `requestUrl` signed with `secret` (default the real one) at `timestampSec`: for signature tests. */
  async postSigned(body: string, opts: { timestampSec?: number | undefined; secret?: string | undefined; contentType?: string | undefined } = {}): Promise<{ status: number; text: string; latencyMs: number }> {
    if (!this.requestUrl) throw new Error("fake slack: requestUrl is not set");
    const ts = String(opts.timestampSec ?? Math.floor(Date.now() / 1000));
    const sig = `v0=${createHmac("sha256", opts.secret ?? this.signingSecret).update(`v0:${ts}:${body}`).digest("hex")}`;
    const t0 = performance.now();
    const res = await fetch(this.requestUrl, {
      method: "POST", body, signal: AbortSignal.timeout(ackDeadline(this.#st) + 2_000),
      headers: { "content-type": opts.contentType ?? "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": sig },
    });
    const text = await res.text();
    return { status: res.status, text, latencyMs: performance.now() - t0 };
  }
}
