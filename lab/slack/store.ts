import { randomBytes } from "node:crypto";
import type { ServerResponse } from "node:http";
import type { EphemeralMessage, FakeSlackUser, ResponseUrl, StoredMessage } from "./options.ts";
import type { SlackState } from "./state.ts";

/** The message store: channel messages, ephemerals, response_urls and what a POST to one does. */

/** POST /response/<id>: 5 uses within 30 minutes; replaces, deletes or adds a message. */
export function respondToUrl(st: SlackState, id: string, raw: string, res: ServerResponse): void {
  const r = st.responseUrls.get(id);
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(raw || "{}");
  } catch {
    return void res.writeHead(400, { "content-type": "text/plain" }).end("invalid_payload");
  }
  const status = !r ? 404 : Date.now() - r.createdAt > (st.opts.responseUrlTtlMs ?? 30 * 60_000) ? 404 : r.uses >= (st.opts.responseUrlUses ?? 5) ? 404 : 200;
  st.self.responses.push({ id, at: Date.now(), status, body });
  if (!r || status !== 200) {
    const err = !r ? "invalid_url" : r.uses >= (st.opts.responseUrlUses ?? 5) ? "used_url" : "expired_url";
    return void res.writeHead(404, { "content-type": "text/plain" }).end(err);
  }
  r.uses++;
  const orig = r.original;
  if (orig && (body.replace_original === true || body.delete_original === true)) {
    if (orig.kind === "channel") {
      const m = st.self.message(r.channel, orig.ts);
      if (m && body.delete_original) m.deleted = true;
      else if (m) {
        m.text = typeof body.text === "string" ? body.text : m.text;
        m.blocks = Array.isArray(body.blocks) ? body.blocks : [];
        m.history.push({ at: Date.now(), text: m.text, blocks: m.blocks, via: "response_url" });
      }
    } else {
      const e = st.self.ephemerals.find((x) => x.ts === orig.ts);
      if (e) {
        e.text = body.delete_original ? "" : typeof body.text === "string" ? body.text : e.text;
        e.blocks = body.delete_original ? [] : Array.isArray(body.blocks) ? body.blocks : [];
        e.replaced++;
      }
    }
  } else if (body.response_type === "in_channel") storeMessage(st, r.channel, body, "response_url");
  else storeEphemeral(st, r.channel, r.user, body, "response_url");
  res.writeHead(200, { "content-type": "text/plain" }).end("ok");
}

function nextTs(st: SlackState): string {
  return `${Math.floor(Date.now() / 1000)}.${String(++st.tsSeq).padStart(6, "0")}`;
}

/** Stores a channel message posted by the app. */
export function storeMessage(st: SlackState, channel: string, a: Record<string, unknown>, via: string): StoredMessage {
  const ts = nextTs(st);
  const text = typeof a.text === "string" ? a.text : "";
  const blocks = Array.isArray(a.blocks) ? a.blocks : [];
  const m: StoredMessage = { channel, ts, text, blocks, threadTs: typeof a.thread_ts === "string" ? a.thread_ts : undefined, deleted: false, history: [{ at: Date.now(), text, blocks, via }] };
  st.messages.set(`${channel}/${ts}`, m);
  return m;
}

/** Stores an ephemeral message shown to one user. */
export function storeEphemeral(st: SlackState, channel: string, user: string, a: Record<string, unknown>, via: EphemeralMessage["via"]): EphemeralMessage {
  const e: EphemeralMessage = { ts: nextTs(st), channel, user, text: typeof a.text === "string" ? a.text : "", blocks: Array.isArray(a.blocks) ? a.blocks : [], at: Date.now(), via, replaced: 0 };
  st.self.ephemerals.push(e);
  return e;
}

/** Hands out a response_url id. */
export function newResponseUrl(st: SlackState, r: Omit<ResponseUrl, "uses" | "createdAt">): string {
  const id = randomBytes(12).toString("base64url");
  st.responseUrls.set(id, { ...r, uses: 0, createdAt: Date.now() });
  return id;
}

/** A known user (throws for an unknown id). */
export function slackUser(st: SlackState, id: string): FakeSlackUser {
  const u = st.users.get(id);
  if (!u) throw new Error(`fake slack: no user ${id}`);
  return u;
}
