import { randomBytes } from "node:crypto";
import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { AapState } from "./state.ts";
import { iso } from "./format.ts";

const GATEWAY = "/api/gateway/v1/";
export const GATEWAY_ADMIN = "admin";
export const DEFAULT_GATEWAY_PASSWORD = "lab-admin-password";

/**
 * The AAP 2.5+ platform gateway in front of the controller: it answers its own API under `/api/gateway/v1/`
 * (`ping/` without authentication, `tokens/` to create a token with Basic auth; the token is then sent as
 * `Bearer` to every service behind the gateway), routes `/api/controller/` to the controller, and does not
 * route the bare controller path `/api/v2/`. Undefined: the request goes on to the controller's routes.
 */
export function gatewayGuard(s: AapState, req: FakeRequest): FakeResponse | undefined {
  if (req.path.startsWith(GATEWAY)) return gatewayRoute(s, req);
  if (!req.path.startsWith(s.p) && req.path !== "/api/") return { status: 404, body: { detail: "Not found." } };
  return undefined;
}

function gatewayRoute(s: AapState, req: FakeRequest): FakeResponse {
  const sub = req.path.slice(GATEWAY.length);
  if (sub === "ping/" && req.method === "GET") {
    return { status: 200, body: { version: "2.5", pong: iso(new Date()), status: "good", db_connected: true, proxy_connected: true } };
  }
  if (sub === "tokens/" && req.method === "POST") {
    if (!basicOk(s, req)) return { status: 401, body: { detail: "Invalid username/password." } };
    const body = (req.body ?? {}) as { description?: unknown; scope?: unknown };
    const scope = body.scope === undefined ? "write" : body.scope;
    if (scope !== "read" && scope !== "write") return { status: 400, body: { scope: [`"${String(scope)}" is not a valid choice.`] } };
    const token = randomBytes(20).toString("base64url");
    s.tokens.add(token);
    const id = s.tokens.size;
    return {
      status: 201,
      body: {
        id, url: `${GATEWAY}tokens/${id}/`, related: { user: `${GATEWAY}users/1/` },
        summary_fields: { user: { id: 1, username: GATEWAY_ADMIN } },
        created: iso(new Date()), modified: iso(new Date()), description: typeof body.description === "string" ? body.description : "",
        application: null, user: 1, token, refresh_token: null, expires: iso(new Date(Date.now() + 1000 * 86_400 * 365 * 1000)), scope,
      },
    };
  }
  if (req.headers.authorization === undefined) return { status: 401, body: { detail: "Authentication credentials were not provided." } };
  return { status: 404, body: { detail: "Not found." } };
}

function basicOk(s: AapState, req: FakeRequest): boolean {
  const m = /^Basic (.+)$/.exec(String(req.headers.authorization ?? ""));
  if (!m) return false;
  const [user, ...rest] = Buffer.from(m[1]!, "base64").toString("utf8").split(":");
  return user === GATEWAY_ADMIN && rest.join(":") === (s.opts.gateway?.password ?? DEFAULT_GATEWAY_PASSWORD);
}
