import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";

/** A fault the proxy answers instead of forwarding: an HTTP status (with an optional body), for the next `times` matches. */
export interface ProxyFault {
  path: RegExp;
  status: number;
  body?: string | undefined;
  times: number;
}

/**
 * A loopback HTTP proxy in front of a fake that has no 5xx injection of its own (the fake Slack only
 * injects 429s): forwards every request to `target`, except the ones a test asked to fail.
 */
export class HttpFaultProxy {
  readonly #server: Server;
  readonly #faults: ProxyFault[] = [];
  /** Requests answered with an injected fault, by path. */
  readonly failed: Record<string, number> = {};
  url = "";

  constructor(private readonly target: string) {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on("data", (c: Buffer) => chunks.push(c));
      req.on("end", () => {
        const path = new URL(req.url ?? "/", "http://proxy").pathname;
        const fault = this.#faults.find((f) => f.times > 0 && f.path.test(path));
        if (fault) {
          fault.times--;
          this.failed[path] = (this.failed[path] ?? 0) + 1;
          res.writeHead(fault.status, { "content-type": "text/plain" }).end(fault.body ?? "upstream unavailable");
          return;
        }
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k !== "host" && k !== "content-length")) as Record<string, string>;
        fetch(`${this.target}${req.url ?? "/"}`, { method: req.method ?? "GET", headers, ...(chunks.length ? { body: Buffer.concat(chunks) } : {}) })
          .then(async (up) => {
            const body = Buffer.from(await up.arrayBuffer());
            const out: Record<string, string> = {};
            up.headers.forEach((v, k) => {
              if (k !== "content-length" && k !== "transfer-encoding" && k !== "content-encoding" && k !== "connection") out[k] = v;
            });
            res.writeHead(up.status, out).end(body);
          })
          .catch(() => res.writeHead(502).end("bad gateway"));
      });
    });
  }

  /** Answers the next `times` requests whose path matches with `status`. */
  fail(path: RegExp, status: number, times: number): void {
    this.#faults.push({ path, status, times });
  }

  async start(): Promise<string> {
    await new Promise<void>((r) => this.#server.listen(0, "127.0.0.1", r));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((r) => this.#server.close(() => r()));
  }
}
