import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../logger.ts";

/** A route handler gets the body already read (bounded by `maxBodyBytes`). */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, body: Buffer) => void | Promise<void>;
/** A mounted handler reads the request itself (Bolt's receiver, an Express app). */
export type MountHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface Route {
  method: string;
  path: string;
  handler: RouteHandler;
  maxBodyBytes: number;
}

/**
 * labops' one inbound HTTP port (`HTTP_PORT`): /healthz, /readyz, /metrics, /hooks/aap, /admin/queues and,
 * in Slack HTTP mode, /slack/events. Small on purpose: exact-path routes and prefix mounts.
 */
export class HttpServer {
  readonly #routes: Route[] = [];
  readonly #mounts: { prefix: string; handler: MountHandler }[] = [];
  readonly #server: Server;

  constructor(private readonly log: Logger) {
    this.#server = createServer((req, res) => void this.#handle(req, res));
    this.#server.requestTimeout = 30_000;
  }

  route(method: string, path: string, handler: RouteHandler, opts: { maxBodyBytes?: number } = {}): this {
    this.#routes.push({ method: method.toUpperCase(), path, handler, maxBodyBytes: opts.maxBodyBytes ?? 1 << 20 });
    return this;
  }

  mount(prefix: string, handler: MountHandler): this {
    this.#mounts.push({ prefix, handler });
    return this;
  }

  get server(): Server {
    return this.#server;
  }

  async listen(port: number, host = "0.0.0.0"): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(port, host, () => resolve());
    });
    const addr = this.#server.address() as AddressInfo;
    return `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${addr.port}`;
  }

  async close(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    try {
      const mount = this.#mounts.find((m) => path === m.prefix || path.startsWith(m.prefix.endsWith("/") ? m.prefix : `${m.prefix}/`));
      if (mount) return mount.handler(req, res);
      const sameP = this.#routes.filter((r) => r.path === path);
      if (!sameP.length) return sendJson(res, 404, { error: "not found" });
      const route = sameP.find((r) => r.method === req.method);
      if (!route) return sendJson(res, 405, { error: "method not allowed" }, { allow: sameP.map((r) => r.method).join(", ") });
      const body = await readBody(req, route.maxBodyBytes);
      if (body === "too-large") return sendJson(res, 413, { error: `body larger than ${route.maxBodyBytes} bytes` });
      await route.handler(req, res, body);
    } catch (err) {
      this.log.error({ err: err instanceof Error ? { type: err.name, message: err.message } : String(err), path }, "http handler failed");
      if (!res.headersSent) sendJson(res, 500, { error: "internal error" });
      else res.end();
    }
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text), ...headers });
  res.end(text);
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer | "too-large"> {
  const declared = Number(req.headers["content-length"] ?? 0);
  if (declared > max) {
    req.resume();
    return "too-large";
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > max) {
      req.resume();
      return "too-large";
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}
