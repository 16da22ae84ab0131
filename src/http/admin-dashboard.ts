import { presentedToken, tokenMatches } from "./bearer-token.ts";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createBullBoard } from "@bull-board/api";
import { BullMQAdapter } from "@bull-board/api/bullMQAdapter";
import { ExpressAdapter } from "@bull-board/express";
import type { Queue } from "bullmq";
import type { Logger } from "../logger.ts";
import { sendJson, type HttpServer, type MountHandler } from "./http-server.ts";

export interface AdminDashboardOptions {
  /** The queues to show (labops has one: `labops.queue.queue`). */
  queues: readonly Queue[];
  /** `ADMIN_TOKEN` (config.http.adminToken). Without it the dashboard is disabled and answers 404. */
  token?: string | undefined;
  log: Logger;
  /** Default `/admin/queues`. */
  basePath?: string | undefined;
  /** Hide retry, clean, pause and remove buttons. Default false: the token holder is an admin. */
  readOnly?: boolean | undefined;
}

/**
 * Mounts bull-board at `/admin/queues`. Every request under the prefix (page, static assets, API)
 * needs the admin token: `Authorization: Bearer <token>`, or HTTP Basic with the token as password
 * (any user name) so a browser can log in. Writes from another site are refused (CSRF).
 */
export function mountAdminDashboard(server: HttpServer, opts: AdminDashboardOptions): { enabled: boolean } {
  const basePath = (opts.basePath ?? "/admin/queues").replace(/\/+$/, "");
  if (!opts.token) {
    opts.log.warn({ path: basePath }, "admin dashboard disabled: ADMIN_TOKEN is not set");
    server.mount(basePath, (_req, res) => sendJson(res, 404, { error: "not found" }));
    return { enabled: false };
  }
  server.mount(basePath, createDashboardHandler({ ...opts, basePath, token: opts.token }));
  opts.log.info({ path: basePath, queues: opts.queues.map((q) => q.name) }, "admin dashboard enabled");
  return { enabled: true };
}

function createDashboardHandler(opts: AdminDashboardOptions & { basePath: string; token: string }): MountHandler {
  const adapter = new ExpressAdapter().setBasePath(opts.basePath);
  createBullBoard({
    queues: opts.queues.map((q) => new BullMQAdapter(q, { readOnlyMode: opts.readOnly ?? false, description: `prefix ${q.opts.prefix ?? "bull"}` })),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: "labops", hideDocsLink: true } },
  });
  const app = adapter.getRouter() as ((req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void) & { disable(s: string): void };
  app.disable("x-powered-by");
  return (req, res) => {
    const presented = presentedToken(req);
    if (presented === undefined || !tokenMatches(presented, opts.token)) {
      if (presented !== undefined) opts.log.warn({ path: opts.basePath, ip: req.socket.remoteAddress }, "admin dashboard: wrong token");
      req.resume();
      return sendJson(res, 401, { error: "unauthorized" }, { "www-authenticate": 'Basic realm="labops admin", charset="UTF-8"' });
    }
    if (crossSiteWrite(req)) {
      req.resume();
      return sendJson(res, 403, { error: "cross-site request refused" });
    }
    res.setHeader("x-frame-options", "DENY");
    res.setHeader("referrer-policy", "same-origin");
    // bull-board's routes are relative to its mount point, as under `app.use(basePath, router)`.
    const url = req.url ?? "/";
    (req as IncomingMessage & { originalUrl?: string }).originalUrl = url;
    const rest = url.slice(opts.basePath.length);
    req.url = rest.startsWith("/") ? rest : `/${rest}`;
    app(req, res, (err) => {
      if (err) opts.log.error({ err: err instanceof Error ? { type: err.name, message: err.message } : String(err) }, "admin dashboard failed");
      if (!res.headersSent) sendJson(res, err ? 500 : 404, { error: err ? "internal error" : "not found" });
    });
  };
}

/** A write whose Origin is another host, or that the browser marks cross-site: a browser replaying cached Basic credentials. */
function crossSiteWrite(req: IncomingMessage): boolean {
  if (req.method === "GET" || req.method === "HEAD" || req.method === "OPTIONS") return false;
  if (req.headers["sec-fetch-site"] === "cross-site") return true;
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}
