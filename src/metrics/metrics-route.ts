import type { HttpServer } from "../http/http-server.ts";
import { sendJson } from "../http/http-server.ts";
import { presentedToken, tokenMatches } from "../http/bearer-token.ts";
import type { LabopsMetrics } from "./labops-metrics.ts";

export interface MetricsRouteOptions {
  /**
   * Optional bearer token for scrapes. Default: none, /metrics is open, as is usual for a Prometheus
   * target on a homelab network (the text holds counts and label values such as command names, no secrets).
   * Set it when the port is reachable from outside (Prometheus: `authorization: { credentials: ... }`).
   */
  token?: string | undefined;
}

/** GET /metrics: the Prometheus text exposition (`text/plain; version=0.0.4`) of `metrics.registry`. */
export function addMetricsRoute(server: HttpServer, metrics: LabopsMetrics, opts: MetricsRouteOptions = {}): void {
  server.route("GET", "/metrics", async (req, res) => {
    if (opts.token !== undefined) {
      const presented = presentedToken(req);
      if (presented === undefined || !tokenMatches(presented, opts.token)) {
        sendJson(res, 401, { error: "unauthorized" }, { "www-authenticate": 'Bearer realm="labops metrics"' });
        return;
      }
    }
    const { contentType, body } = await metrics.render();
    res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body), "cache-control": "no-store" });
    res.end(body);
  });
}
