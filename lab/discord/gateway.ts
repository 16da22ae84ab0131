import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer, type WebSocket } from "ws";
import type { Obj } from "./objects.ts";

/** One gateway frame as the fake saw or sent it. */
export interface GatewayFrame {
  dir: "in" | "out";
  op: number;
  t?: string | undefined;
  s?: number | undefined;
  d?: unknown;
  at: number;
  session?: string | undefined;
}

export interface FakeGatewayOptions {
  token: string;
  heartbeatIntervalMs: number;
  /** The READY payload minus `session_id`, `resume_gateway_url` (user, guilds, application). */
  ready: () => Obj;
  /** Dispatched after READY, one GUILD_CREATE each. */
  guilds: () => Obj[];
  wsUrl: () => string;
}

interface Session {
  id: string;
  seq: number;
  /** `[shard_id, num_shards]` from IDENTIFY (default `[0, 1]`): guild events go to the shard `(guild_id >> 22) % num_shards`. */
  shard: [number, number];
  ws?: WebSocket | undefined;
  /** Every dispatch with its sequence number, replayed on RESUME from the client's last seq. */
  history: { s: number; frame: Obj }[];
}

/**
 * The Discord gateway (v10, JSON, uncompressed): HELLO, IDENTIFY → READY + GUILD_CREATE, heartbeat ACKs,
 * RESUME → replay + RESUMED, and faults (close codes, op 7 reconnect, op 9 invalid session, withheld ACKs).
 */
export class FakeDiscordGateway {
  readonly frames: GatewayFrame[] = [];
  /** Connection attempts refused (e.g. `compress=` in the query: the client would expect zlib-stream). */
  readonly rejected: { url: string; reason: string }[] = [];
  readonly #wss = new WebSocketServer({ noServer: true });
  readonly #sessions = new Map<string, Session>();
  #current: Session | undefined;
  #nextSession = 1;
  #readyWaiters: (() => void)[] = [];
  /** Answer heartbeats with op 11 (false: a zombie connection, the client must reconnect and resume). */
  ackHeartbeats = true;
  identifies = 0;
  resumes = 0;

  constructor(private readonly opts: FakeGatewayOptions) {}

  attach(server: Server, path = "/gateway"): void {
    server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      const url = new URL(req.url ?? "/", "http://fake");
      if (url.pathname !== path) return void socket.destroy();
      const refuse = (reason: string) => {
        this.rejected.push({ url: req.url ?? "", reason });
        socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n${reason}`);
      };
      if (url.searchParams.has("compress")) return refuse("compress= is not supported by the fake gateway (is zlib-sync installed?)");
      if (url.searchParams.get("encoding") !== "json") return refuse("only encoding=json is supported");
      if (url.searchParams.get("v") !== "10") return refuse("only gateway v10 is supported");
      this.#wss.handleUpgrade(req, socket, head, (ws) => this.#accept(ws));
    });
  }

  /** Resolves when a session is identified or resumed and connected. */
  whenConnected(): Promise<void> {
    if (this.#current?.ws) return Promise.resolve();
    return new Promise((resolve) => this.#readyWaiters.push(resolve));
  }

  get connected(): boolean {
    return this.#current?.ws !== undefined;
  }

  /**
   * Sends a dispatch (op 0) to every identified session whose shard the event belongs to, as Discord does: two
   * processes logged in with one token and no sharding both receive every event. While a session is
   * disconnected, its events wait for RESUME.
   */
  dispatch(t: string, d: unknown): void {
    if (!this.#current) throw new Error("no gateway session: the bot has not identified");
    const guild = (d as { guild_id?: unknown } | null)?.guild_id;
    for (const session of this.#sessions.values()) {
      if (typeof guild === "string" && /^\d+$/.test(guild)) {
        const [id, count] = session.shard;
        if (Number((BigInt(guild) >> 22n) % BigInt(count)) !== id) continue;
      }
      this.#dispatchTo(session, t, d);
    }
  }

  /** Identified sessions (several when several processes log in with one token). */
  get sessionCount(): number {
    return this.#sessions.size;
  }

  #dispatchTo(session: Session, t: string, d: unknown): void {
    const s = ++session.seq;
    const frame = { op: 0, t, s, d };
    session.history.push({ s, frame });
    if (session.history.length > 1_000) session.history.shift();
    if (session.ws) this.#send(session.ws, frame, session.id);
  }

  /** Closes the current connection with `code` (4000: resumable, the client must RESUME). */
  close(code = 4000, reason = "fake gateway closed the connection"): void {
    const ws = this.#current?.ws;
    if (this.#current) this.#current.ws = undefined;
    ws?.close(code, reason);
  }

  /** op 7 RECONNECT: the client must reconnect and resume. */
  requestReconnect(): void {
    const ws = this.#current?.ws;
    if (ws) this.#send(ws, { op: 7, d: null }, this.#current?.id);
  }

  /** op 9 INVALID_SESSION (not resumable: the client must IDENTIFY again). */
  invalidateSession(): void {
    const s = this.#current;
    if (!s?.ws) return;
    this.#sessions.delete(s.id);
    this.#send(s.ws, { op: 9, d: false }, s.id);
  }

  async shutdown(): Promise<void> {
    for (const ws of this.#wss.clients) ws.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }

  #accept(ws: WebSocket): void {
    let session: Session | undefined;
    this.#send(ws, { op: 10, d: { heartbeat_interval: this.opts.heartbeatIntervalMs } });
    ws.on("message", (raw) => {
      let msg: { op?: number; d?: Obj | number | null };
      try {
        msg = JSON.parse(String(raw)) as typeof msg;
      } catch {
        return ws.close(4002, "Error while decoding payload.");
      }
      this.frames.push({ dir: "in", op: Number(msg.op), d: msg.d, at: Date.now(), session: session?.id });
      if (msg.op === 1) {
        if (this.ackHeartbeats) this.#send(ws, { op: 11 }, session?.id);
      } else if (msg.op === 2) {
        session = this.#identify(ws, msg.d as Obj);
      } else if (msg.op === 6) {
        session = this.#resume(ws, msg.d as Obj);
      }
    });
    ws.on("close", () => {
      if (session?.ws === ws) session.ws = undefined;
    });
  }

  #identify(ws: WebSocket, d: Obj): Session | undefined {
    if (String(d.token ?? "").replace(/^Bot /, "") !== this.opts.token) {
      ws.close(4004, "Authentication failed.");
      return undefined;
    }
    this.identifies++;
    const shard: [number, number] = Array.isArray(d.shard) && d.shard.length === 2 ? [Number(d.shard[0]), Number(d.shard[1])] : [0, 1];
    const session: Session = { id: `fake-session-${this.#nextSession++}`, seq: 0, shard, ws, history: [] };
    this.#sessions.set(session.id, session);
    this.#current = session;
    this.#dispatchTo(session, "READY", { v: 10, ...this.opts.ready(), session_id: session.id, resume_gateway_url: this.opts.wsUrl(), shard });
    for (const g of this.opts.guilds()) this.#dispatchTo(session, "GUILD_CREATE", g);
    this.#connected();
    return session;
  }

  #resume(ws: WebSocket, d: Obj): Session | undefined {
    const session = this.#sessions.get(String(d.session_id));
    if (!session || String(d.token ?? "").replace(/^Bot /, "") !== this.opts.token) {
      this.#send(ws, { op: 9, d: false });
      return undefined;
    }
    this.resumes++;
    session.ws?.terminate();
    session.ws = ws;
    this.#current = session;
    const from = Number(d.seq ?? 0);
    for (const h of session.history) if (h.s > from) this.#send(ws, h.frame, session.id);
    this.#dispatchTo(session, "RESUMED", {});
    this.#connected();
    return session;
  }

  #connected(): void {
    const waiters = this.#readyWaiters;
    this.#readyWaiters = [];
    for (const w of waiters) w();
  }

  #send(ws: WebSocket, frame: Obj, session?: string): void {
    this.frames.push({ dir: "out", op: Number(frame.op), t: frame.t as string | undefined, s: frame.s as number | undefined, d: frame.d, at: Date.now(), session });
    if (this.frames.length > 10_000) this.frames.splice(0, 1_000);
    ws.send(JSON.stringify(frame));
  }
}
