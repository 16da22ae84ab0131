import { request } from "node:https";

/**
 * A `fetch` for the lab's HTTPS fakes that trusts `ca` (the lab's CA) and nothing else: verification stays on.
 * Node's global fetch only reads extra CAs at process start (NODE_EXTRA_CA_CERTS), hence this small stand-in.
 */
export function tlsFetch(ca: string): (url: string, init?: { method?: string; headers?: Record<string, string>; body?: string }) => Promise<Response> {
  return (url, init = {}) =>
    new Promise((resolve, reject) => {
      const req = request(url, { method: init.method ?? "GET", headers: init.headers, ca }, (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const headers = new Headers();
          for (const [k, v] of Object.entries(res.headers)) if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
          const status = res.statusCode ?? 0;
          const body = status === 204 || status === 304 ? null : Buffer.concat(chunks);
          resolve(new Response(body, { status, statusText: res.statusMessage ?? "", headers }));
        });
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end(init.body);
    });
}
