import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { WebSocket } from "ws";
import type { AckRecord, Pending } from "./options.ts";
import type { SlackState } from "./state.ts";

/** Socket Mode: `/link/?ticket=…` upgrades (each ticket once), hello, envelopes and their acks against the deadline. */

/** Connections told to reconnect (a `disconnect` message): Slack stops sending them envelopes. */
const draining = new WeakSet<WebSocket>();
/** Envelopes sent on each connection. */
const delivered = new WeakMap<WebSocket, number>();
/** Round-robin position per fake. */
const turn = new WeakMap<SlackState, number>();

export function markDraining(ws: WebSocket): void {
  draining.add(ws);
}

/** Envelopes sent on each open connection, oldest connection first. */
export function deliveriesPerConnection(st: SlackState): number[] {
  return [...st.sockets].filter((ws) => ws.readyState === ws.OPEN).map((ws) => delivered.get(ws) ?? 0);
}

export function upgradeSocket(st: SlackState, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const u = new URL(req.url ?? "/", "http://fake");
  const ticket = u.searchParams.get("ticket") ?? "";
  if (u.pathname !== "/link/" || !st.tickets.delete(ticket)) {
    socket.end("HTTP/1.1 401 Unauthorized\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    return;
  }
  st.wss.handleUpgrade(req, socket, head, (ws) => st.wss.emit("connection", ws, req));
}

export function acceptSocket(st: SlackState, ws: WebSocket): void {
  st.sockets.add(ws);
  st.self.connectionsOpened++;
  ws.on("close", () => {
    st.sockets.delete(ws);
    st.helloSent.delete(ws);
  });
  ws.on("message", (data) => onAck(st, String(data)));
  ws.send(JSON.stringify({ type: "hello", num_connections: st.sockets.size, debug_info: { host: "fake-slack", build_number: 1, approximate_connection_time: 18_060 }, connection_info: { app_id: st.self.appId } }));
  st.helloSent.add(ws);
}

function onAck(st: SlackState, raw: string): void {
  let msg: { envelope_id?: string; payload?: Record<string, unknown> };
  try {
    msg = JSON.parse(raw);
  } catch {
    return;
  }
  const p = msg.envelope_id ? st.pending.get(msg.envelope_id) : undefined;
  const latencyMs = p ? performance.now() - p.sentAt : 0;
  if (!p) {
    st.self.ackFailures.push({ envelopeId: msg.envelope_id ?? "?", type: "unknown", reason: "late", latencyMs, detail: "ack for an envelope that already timed out or never existed" });
    return;
  }
  st.pending.delete(msg.envelope_id!);
  clearTimeout(p.timer);
  const rec: AckRecord = { envelopeId: msg.envelope_id!, type: p.type, latencyMs, payload: msg.payload ?? {} };
  st.self.acks.push(rec);
  p.onPayload(rec.payload);
  p.resolve(rec);
}

/**
 * Sends an envelope on one of the app's open connections (Slack allows up to 10 and gives each envelope to one
 * of them): round robin over those not told to reconnect, else the newest; resolves with its ack, rejects at
 * the deadline.
 */
export function deliverSocket(st: SlackState, type: AckRecord["type"], payload: object, acceptsResponse: boolean, onPayload: Pending["onPayload"]): Promise<AckRecord> {
  const open = [...st.sockets].filter((s) => s.readyState === s.OPEN && st.helloSent.has(s));
  const live = open.filter((s) => !draining.has(s));
  const n = turn.get(st) ?? 0;
  turn.set(st, n + 1);
  const ws = live.length ? live[n % live.length] : open.at(-1);
  if (ws) delivered.set(ws, (delivered.get(ws) ?? 0) + 1);
  if (!ws) return Promise.reject(new Error("fake slack: dispatch_failed (no Socket Mode connection)"));
  const envelopeId = randomUUID();
  return new Promise<AckRecord>((resolve, reject) => {
    const sentAt = performance.now();
    const timer = setTimeout(() => {
      st.pending.delete(envelopeId);
      st.self.ackFailures.push({ envelopeId, type, reason: "timeout", latencyMs: performance.now() - sentAt });
      reject(new Error(`fake slack: no ack for ${type} within ${ackDeadline(st)} ms (operation_timeout)`));
    }, ackDeadline(st));
    timer.unref();
    st.pending.set(envelopeId, { type, sentAt, timer, resolve, reject, onPayload });
    ws.send(JSON.stringify({ envelope_id: envelopeId, type, accepts_response_payload: acceptsResponse, payload }));
  });
}

/** HTTP mode: POSTs the signed body to `requestUrl`; its answer within the deadline is the ack. */
export async function deliverHttp(st: SlackState, type: AckRecord["type"], body: string, onPayload: Pending["onPayload"]): Promise<AckRecord> {
  const envelopeId = randomUUID();
  const res = await st.self.postSigned(body);
  if (res.status !== 200 || res.latencyMs > ackDeadline(st)) {
    const reason = res.status !== 200 ? "http_status" : "late";
    st.self.ackFailures.push({ envelopeId, type, reason, latencyMs: res.latencyMs, detail: `HTTP ${res.status}` });
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
  st.self.acks.push(rec);
  onPayload(payload);
  return rec;
}

/** The acknowledgement deadline in ms. */
export function ackDeadline(st: SlackState): number {
  return st.opts.ackDeadlineMs ?? 3_000;
}
