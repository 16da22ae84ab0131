import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";

/** A request as a fake server sees it. */
export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage["headers"];
  /** JSON or form-decoded body (form fields as a string record); undefined when empty. */
  body: unknown;
  rawBody: string;
}

/** What a route answers. `text` is sent verbatim (with `contentType`), otherwise `body` as JSON; no body at all when both are absent. */
export interface FakeResponse {
  status: number;
  body?: unknown;
  text?: string | undefined;
  contentType?: string | undefined;
  statusText?: string | undefined;
  headers?: Record<string, string> | undefined;
}

export type FakeHandler = (req: FakeRequest, params: Record<string, string>) => FakeResponse | Promise<FakeResponse>;

/** A fault to inject on matching requests: a status, a delay, a request that never answers, or one processed whose answer is held. */
export interface Fault {
  method?: string | undefined;
  path: RegExp | string;
  status?: number | undefined;
  body?: unknown;
  headers?: Record<string, string> | undefined;
  delayMs?: number | undefined;
  /** Never answer (the client's timeout must fire). */
  hang?: boolean | undefined;
  /** How many matching requests it applies to; default every one until cleared. */
  times?: number | undefined;
  /**
   * Process the request (its side effects happen), then never send the response: the request reached the
   * server but the client never saw the answer (it times out, or dies waiting).
   */
  holdResponse?: boolean | undefined;
  /** Process the request, then wait this long before sending its response. */
  delayResponseMs?: number | undefined;
  /** Called with the request when the fault is applied, before anything else: a test acts at that exact moment. */
  onMatch?: ((req: FakeRequest) => void) | undefined;
  /** A further condition on the request (query, body); the fault applies only when it returns true. */
  match?: ((req: FakeRequest) => boolean) | undefined;
}

interface Route {
  method: string;
  regex: RegExp;
  keys: string[];
  handler: FakeHandler;
}

const MAX_RECORDED = 5_000;

/** A tiny HTTP server for the simulated lab: routes, a request log, and fault injection for tests. */
export class FakeHttpServer {
  readonly requests: FakeRequest[] = [];
  readonly #routes: Route[] = [];
  readonly #faults: Fault[] = [];
  readonly #server: Server;
  readonly #hung = new Set<ServerResponse>();
  /** Runs before routing; return a response to short-circuit (used for auth checks). */
  guard: ((req: FakeRequest) => FakeResponse | undefined) | undefined;
  /** Headers added to every routed or guarded answer (a product's version headers); not to injected faults. */
  responseHeaders: ((req: FakeRequest, res: FakeResponse) => Record<string, string> | undefined) | undefined;

  readonly #scheme: "http" | "https";

  /** With `tls`, the server speaks HTTPS only (as Proxmox's pveproxy does). */
  constructor(readonly name: string, opts: { tls?: { key: string; cert: string } | undefined } = {}) {
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.#scheme = opts.tls ? "https" : "http";
    this.#server = opts.tls ? createTlsServer({ key: opts.tls.key, cert: opts.tls.cert }, handler) : createServer(handler);
  }

  /** Registers a route; `:name` segments become params. Trailing slashes are significant, as on AWX and Nautobot. */
  route(method: string, pattern: string, handler: FakeHandler): this {
    const keys: string[] = [];
    const source = pattern
      .split("/")
      .map((seg) => {
        if (seg.startsWith(":")) {
          keys.push(seg.slice(1));
          return "([^/]+)";
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      })
      .join("/");
    this.#routes.push({ method: method.toUpperCase(), regex: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  inject(fault: Fault): this {
    this.#faults.push({ ...fault });
    return this;
  }

  clearFaults(): void {
    this.#faults.length = 0;
  }

  /** Requests seen so far that match a method and path pattern. */
  count(method: string, path: RegExp): number {
    return this.requests.filter((r) => r.method === method.toUpperCase() && path.test(r.path)).length;
  }

  server(): Server {
    return this.#server;
  }

  async listen(port = 0, host = "127.0.0.1"): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(port, host, resolve));
    const addr = this.#server.address() as AddressInfo;
    return `${this.#scheme}://${host}:${addr.port}`;
  }

  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawBody = await readBody(req);
    const url = new URL(req.url ?? "/", "http://fake");
    const freq: FakeRequest = {
      method: (req.method ?? "GET").toUpperCase(),
      path: decodeURIComponent(url.pathname),
      query: url.searchParams,
      headers: req.headers,
      body: parseBody(rawBody, req.headers["content-type"]),
      rawBody,
    };
    this.requests.push(freq);
    if (this.requests.length > MAX_RECORDED) this.requests.splice(0, this.requests.length - MAX_RECORDED);

    const fault = this.#takeFault(freq);
    fault?.onMatch?.(freq);
    if (fault?.hang) return this.#hold(res);
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) {
      return send(res, { status: fault.status, body: fault.body ?? { detail: "injected fault" }, headers: fault.headers });
    }
    const response = await this.#respond(freq);
    if (fault?.holdResponse) return this.#hold(res);
    if (fault?.delayResponseMs) await new Promise((r) => setTimeout(r, fault.delayResponseMs));
    send(res, response);
  }

  /** Keeps the response open, unanswered, until the client goes away or the server closes. */
  #hold(res: ServerResponse): void {
    this.#hung.add(res);
    res.on("close", () => this.#hung.delete(res));
  }

  async #respond(freq: FakeRequest): Promise<FakeResponse> {
    const res = await this.#route(freq);
    const extra = this.responseHeaders?.(freq, res);
    return extra ? { ...res, headers: { ...extra, ...res.headers } } : res;
  }

  async #route(freq: FakeRequest): Promise<FakeResponse> {
    try {
      const guarded = this.guard?.(freq);
      if (guarded) return guarded;
      for (const route of this.#routes) {
        if (route.method !== freq.method) continue;
        const m = route.regex.exec(freq.path);
        if (!m) continue;
        const params: Record<string, string> = {};
        route.keys.forEach((k, i) => (params[k] = m[i + 1] ?? ""));
        return await route.handler(freq, params);
      }
      return { status: 404, body: { detail: "Not found." } };
    } catch (err) {
      return { status: 500, body: { detail: `fake ${this.name} error: ${(err as Error).message}` } };
    }
  }

  #takeFault(req: FakeRequest): Fault | undefined {
    const i = this.#faults.findIndex(
      (f) =>
        (!f.method || f.method.toUpperCase() === req.method) &&
        (typeof f.path === "string" ? req.path === f.path : f.path.test(req.path)) &&
        (!f.match || f.match(req)),
    );
    if (i < 0) return undefined;
    const f = this.#faults[i]!;
    if (f.times !== undefined && --f.times <= 0) this.#faults.splice(i, 1);
    return f;
  }
}

function send(res: ServerResponse, r: FakeResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload: string | undefined;
  if (r.text !== undefined) {
    payload = r.text;
    headers["content-type"] ??= r.contentType ?? "text/plain; charset=utf-8";
  } else if (r.body !== undefined) {
    payload = JSON.stringify(r.body);
    headers["content-type"] ??= r.contentType ?? "application/json";
  }
  if (payload !== undefined) headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, r.statusText, headers);
  res.end(payload);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function parseBody(raw: string, contentType: string | undefined): unknown {
  if (!raw) return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(raw));
  }
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}
