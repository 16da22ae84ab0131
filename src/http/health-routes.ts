import type { HttpServer } from "./http-server.ts";
import { sendJson } from "./http-server.ts";

/** A readiness check: resolves when the dependency answers. */
export type ReadinessCheck = (signal: AbortSignal) => Promise<void>;

/** GET /healthz (the process is up) and GET /readyz (Redis and every configured backend answer within `timeoutMs`). */
export function addHealthRoutes(
  server: HttpServer, checks: Record<string, ReadinessCheck>, timeoutMs = 2_000,
  /** Extra facts for the body (the backends' detected versions), read from a cache, never from a backend. */
  versions?: () => Promise<Record<string, unknown>>,
): void {
  server.route("GET", "/healthz", (_req, res) => sendJson(res, 200, { status: "ok" }));
  server.route("GET", "/readyz", async (_req, res) => {
    const results = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => {
        const signal = AbortSignal.timeout(timeoutMs);
        try {
          await Promise.race([check(signal), new Promise((_, reject) => signal.addEventListener("abort", () => reject(new Error("timed out")), { once: true }))]);
          return [name, "ok"] as const;
        } catch (err) {
          return [name, err instanceof Error ? err.message.split("\n")[0]!.slice(0, 120) : "failed"] as const;
        }
      }),
    );
    const ready = results.every(([, r]) => r === "ok");
    const found = versions ? await versions().catch(() => undefined) : undefined;
    sendJson(res, ready ? 200 : 503, { status: ready ? "ready" : "not ready", checks: Object.fromEntries(results), ...(found ? { versions: found } : {}) });
  });
}
