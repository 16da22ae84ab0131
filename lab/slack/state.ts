import type { FakeSlackView } from "./views.ts";
import { createServer, type Server } from "node:http";
import { WebSocketServer, type WebSocket } from "ws";
import { DEFAULT_SLACK_LIMITS, SlackRateLimiter } from "./limits.ts";
import type { FakeSlack } from "./fake-slack.ts";
import type { FakeSlackOptions, FakeSlackUser, FakeSlackUserGroup, Pending, ResponseUrl, StoredMessage } from "./options.ts";
import { handleHttp } from "./web-api.ts";
import { acceptSocket, upgradeSocket } from "./socket.ts";

/**
 * Everything a fake Slack holds besides its public fields; `self` is the FakeSlack, whose public fields
 * (calls, acks, url, requestUrl, ...) the Web API, Socket Mode and store modules read and write.
 */
export interface SlackState {
  readonly self: FakeSlack;
  readonly opts: FakeSlackOptions;
  readonly users: Map<string, FakeSlackUser>;
  readonly groups: FakeSlackUserGroup[];
  readonly channels: Map<string, string>;
  readonly messages: Map<string, StoredMessage>;
  readonly limiter: SlackRateLimiter;
  /** Injected answers per method: 429s (Retry-After) or, with `error`, `ok:false` with that error. */
  readonly injections: Map<string, { left: number; retryAfterSec: number; error?: string | undefined }>;
  readonly tickets: Set<string>;
  readonly responseUrls: Map<string, ResponseUrl>;
  readonly pending: Map<string, Pending>;
  readonly sockets: Set<WebSocket>;
  readonly helloSent: Set<WebSocket>;
  readonly server: Server;
  readonly wss: WebSocketServer;
  ping: NodeJS.Timeout | undefined;
  tsSeq: number;
  envSeq: number;
  /** trigger_ids issued with interactions (views.open takes each once, within 3 s). */
  readonly triggers: Map<string, { at: number; user: string; used: boolean }>;
  readonly views: Map<string, FakeSlackView>;
}

/** The state of `self`: users, channels, limits, and the HTTP server with its Socket Mode upgrade (not listening yet). */
export function createSlackState(self: FakeSlack, opts: FakeSlackOptions): SlackState {
  const wss = new WebSocketServer({ noServer: true });
  const st: SlackState = {
    self,
    opts,
    users: new Map((opts.users ?? [{ id: "U0ALICE", name: "alice" }, { id: "U0BOB", name: "bob" }]).map((u) => [u.id, u])),
    groups: opts.usergroups ?? [],
    channels: new Map((opts.channels ?? [{ id: "C0OPS", name: "ops" }, { id: "C0ALERTS", name: "alerts" }]).map((c) => [c.id, c.name])),
    messages: new Map(),
    limiter: new SlackRateLimiter({ ...DEFAULT_SLACK_LIMITS, ...opts.limits, perMinute: { ...DEFAULT_SLACK_LIMITS.perMinute, ...opts.limits?.perMinute } }),
    injections: new Map(),
    tickets: new Set(),
    responseUrls: new Map(),
    pending: new Map(),
    sockets: new Set(),
    helloSent: new Set(),
    server: createServer((req, res) => void handleHttp(st, req, res)),
    wss,
    ping: undefined,
    tsSeq: 0,
    envSeq: 0,
    triggers: new Map(),
    views: new Map(),
  };
  st.server.on("upgrade", (req, socket, head) => upgradeSocket(st, req, socket, head));
  st.wss.on("connection", (ws) => acceptSocket(st, ws));
  return st;
}
