import { openView } from "./views.ts";
import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApiResult } from "./options.ts";
import type { SlackState } from "./state.ts";
import { validBlocks } from "./blocks.ts";
import { respondToUrl, storeEphemeral, storeMessage } from "./store.ts";

/** The HTTP side: `POST /api/<method>` (the Web API) and `POST /response/<id>` (response_url). */
export async function handleHttp(st: SlackState, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks).toString("utf8");
  const path = new URL(req.url ?? "/", "http://fake").pathname;
  const api = /^\/api\/([A-Za-z0-9_.]+)$/.exec(path);
  if (req.method === "POST" && api) return reply(res, callApi(st, api[1]!, req, raw));
  const resp = /^\/response\/([A-Za-z0-9_-]+)$/.exec(path);
  if (req.method === "POST" && resp) return respondToUrl(st, resp[1]!, raw, res);
  res.writeHead(404, { "content-type": "text/plain" }).end("404 Not Found");
}

function callApi(st: SlackState, method: string, req: IncomingMessage, raw: string): ApiResult {
  const args = parseArgs(raw, req.headers["content-type"]);
  const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? (typeof args.token === "string" ? args.token : undefined);
  delete args.token;
  const at = Date.now();
  const result = apiResult(st, method, args, bearer, at);
  st.self.calls.push({ method, at, status: result.status, ok: result.body.ok === true, error: result.body.error as string | undefined, args });
  return result;
}

function apiResult(st: SlackState, method: string, args: Record<string, unknown>, token: string | undefined, at: number): ApiResult {
  const handler = webApiMethods(st)[method];
  if (!handler) return ok200({ ok: false, error: "unknown_method" });
  if (!token) return ok200({ ok: false, error: "not_authed" });
  const wantApp = method === "apps.connections.open";
  if (token !== st.self.botToken && token !== st.self.appToken) return ok200({ ok: false, error: "invalid_auth" });
  if ((token === st.self.appToken) !== wantApp) return ok200({ ok: false, error: "not_allowed_token_type" });
  const inj = st.injections.get(method);
  if (inj && inj.left > 0) {
    inj.left--;
    st.self.injected[method] = (st.self.injected[method] ?? 0) + 1;
    if (inj.error) return ok200({ ok: false, error: inj.error });
    return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(inj.retryAfterSec) } };
  }
  const waitMs = st.limiter.check(method, typeof args.channel === "string" ? args.channel : undefined, at);
  if (waitMs > 0) {
    st.self.overLimit[method] = (st.self.overLimit[method] ?? 0) + 1;
    return { status: 429, body: { ok: false, error: "ratelimited" }, headers: { "retry-after": String(Math.max(1, Math.ceil(waitMs / 1000))) } };
  }
  return ok200(handler(args, at));
}

function webApiMethods(st: SlackState): Record<string, (a: Record<string, unknown>, at: number) => Record<string, unknown>> {
  return {
    "auth.test": () => ({ ok: true, url: `https://${st.self.teamDomain}.slack.com/`, team: st.self.teamDomain, user: "labops", team_id: st.self.teamId, user_id: st.self.botUserId, bot_id: st.self.botId, is_enterprise_install: false }),
    "apps.connections.open": () => {
      const ticket = randomUUID();
      st.tickets.add(ticket);
      return { ok: true, url: `${st.self.url.replace(/^http/, "ws")}/link/?ticket=${ticket}&app_id=${st.self.appId}` };
    },
    "chat.postMessage": (a) => {
      const bad = checkMessage(st, a);
      if (bad) return bad;
      const m = storeMessage(st, String(a.channel), a, "chat.postMessage");
      return { ok: true, channel: m.channel, ts: m.ts, message: { type: "message", subtype: "bot_message", text: m.text, blocks: m.blocks, ts: m.ts, bot_id: st.self.botId, user: st.self.botUserId } };
    },
    "chat.update": (a, at) => {
      const m = st.self.message(String(a.channel), String(a.ts));
      if (!m || m.deleted) return { ok: false, error: "message_not_found" };
      const bad = checkMessage(st, a);
      if (bad) return bad;
      m.text = typeof a.text === "string" ? a.text : m.text;
      m.blocks = Array.isArray(a.blocks) ? a.blocks : m.blocks;
      m.history.push({ at, text: m.text, blocks: m.blocks, via: "chat.update" });
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: { text: m.text, blocks: m.blocks, user: st.self.botUserId, bot_id: st.self.botId } };
    },
    "chat.postEphemeral": (a) => {
      const bad = checkMessage(st, a);
      if (bad) return bad;
      if (typeof a.user !== "string" || !st.users.has(a.user)) return { ok: false, error: "user_not_in_channel" };
      const e = storeEphemeral(st, String(a.channel), a.user, a, "chat.postEphemeral");
      return { ok: true, message_ts: e.ts };
    },
    "views.open": (a, at) => openView(st, a, at),
    "usergroups.list": (a) => ({
      ok: true,
      usergroups: st.groups.map((g) => ({
        id: g.id, team_id: st.self.teamId, is_usergroup: true, is_subteam: true, name: g.name ?? g.handle, description: "", handle: g.handle,
        is_external: false, date_create: 1_700_000_000, date_update: 1_700_000_000, date_delete: 0, auto_type: null, created_by: "U0ADMIN",
        updated_by: "U0ADMIN", deleted_by: null, prefs: { channels: [], groups: [] }, user_count: g.users.length,
        ...(a.include_users === true || a.include_users === "true" ? { users: [...g.users] } : {}),
      })),
    }),
  };
}

/** What Slack refuses before storing: unknown channel, no content, or Block Kit over its limits. */
function checkMessage(st: SlackState, a: Record<string, unknown>): Record<string, unknown> | undefined {
  if (typeof a.channel !== "string" || !st.channels.has(a.channel)) return { ok: false, error: "channel_not_found" };
  if (a.text === undefined && a.blocks === undefined) return { ok: false, error: "no_text" };
  if (typeof a.text === "string" && a.text.length > 40_000) return { ok: false, error: "msg_too_long" };
  if (a.blocks !== undefined && !validBlocks(a.blocks)) return { ok: false, error: "invalid_blocks" };
  return undefined;
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
  for (const k of ["blocks", "attachments", "metadata", "view"]) {
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
