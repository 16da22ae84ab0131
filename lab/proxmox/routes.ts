import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { LAB_NODES } from "../homelab.ts";
import { API } from "./options.ts";
import { PVE_PARAM_SCHEMAS } from "./param-schemas.ts";
import { validatePveParams } from "./validate.ts";
import { paramError, PveError, pveErrorResponse, pveOk, type Handler } from "./errors.ts";
import type { ProxmoxState } from "./state.ts";
import { clusterResources, nextVmid, nodeEntry } from "./resources.ts";
import { createLxc, deleteLxc, existingCt, guestsOnNode, lxcStatus, startLxc, stopLxc } from "./lxc.ts";
import { advanceTasks, taskIndex, taskLog, taskStatus } from "./tasks.ts";
import { lxcConfig, qemuCurrent, qemuIndex, shutdownLxc } from "./guests.ts";
import { nodeStorage, poolIndex, storageConfig, storageContent, storageIndex } from "./storage.ts";

/** The `/api2/json` methods of the fake cluster. */
export function registerRoutes(st: ProxmoxState): void {
  registerMethod(st, "GET", "/version", () => ({ ...(st.opts.version ?? { version: "9.1.3", release: "9.1" }), repoid: "9d3e1b2a4c5f6e7d" }));
  registerMethod(st, "GET", "/nodes", () => LAB_NODES.map((n) => nodeEntry(st, n)));
  registerMethod(st, "GET", "/cluster/nextid", (p) => nextVmid(st, p));
  registerMethod(st, "GET", "/cluster/resources", (p) => clusterResources(st, p.type as string | undefined));
  registerMethod(st, "GET", "/nodes/:node/lxc", (p) => guestsOnNode(st, p).filter((g) => g.type === "lxc").map((g) => lxcStatus(st, g)));
  registerMethod(st, "POST", "/nodes/:node/lxc", (p) => createLxc(st, p));
  registerMethod(st, "GET", "/nodes/:node/lxc/:vmid/status/current", (p) => lxcStatus(st, existingCt(st, p, "VM.Audit")));
  registerMethod(st, "POST", "/nodes/:node/lxc/:vmid/status/start", (p) => startLxc(st, p));
  registerMethod(st, "POST", "/nodes/:node/lxc/:vmid/status/stop", (p) => stopLxc(st, p));
  registerMethod(st, "DELETE", "/nodes/:node/lxc/:vmid", (p) => deleteLxc(st, p));
  registerMethod(st, "POST", "/nodes/:node/lxc/:vmid/status/shutdown", (p) => shutdownLxc(st, p));
  registerMethod(st, "GET", "/nodes/:node/lxc/:vmid/config", (p) => lxcConfig(st, p));
  registerMethod(st, "GET", "/nodes/:node/qemu", (p) => qemuIndex(st, p));
  registerMethod(st, "GET", "/nodes/:node/qemu/:vmid/status/current", (p) => qemuCurrent(st, p));
  registerMethod(st, "GET", "/pools", (p) => poolIndex(st, p));
  registerMethod(st, "GET", "/storage", (p) => storageIndex(p));
  registerMethod(st, "GET", "/storage/:storage", (p) => storageConfig(p));
  registerMethod(st, "GET", "/nodes/:node/storage", (p) => nodeStorage(st, p));
  registerMethod(st, "GET", "/nodes/:node/storage/:storage/content", (p) => storageContent(st, p));
  registerMethod(st, "GET", "/nodes/:node/tasks", (p) => taskIndex(st, p), true);
  registerMethod(st, "GET", "/nodes/:node/tasks/:upid/status", (p) => taskStatus(st, p));
  registerMethod(st, "GET", "/nodes/:node/tasks/:upid/log", (p) => taskLog(st, p), true);
}

/** Registers an API method; parameters (path + query + body) are verified against PVE_PARAM_SCHEMAS first. */
function registerMethod(st: ProxmoxState, method: string, path: string, handler: Handler, withTotal = false): void {
  const schema = PVE_PARAM_SCHEMAS[`${method} ${path.replace(/:(\w+)/g, "{$1}")}`];
  if (!schema) throw new Error(`no schema for ${method} ${path}`);
  const full = `${API}${path}`;
  st.known.push({ method, regex: new RegExp(`^${full.replace(/:\w+/g, "[^/]+")}$`) });
  st.http.route(method, full, (req, pathParams) => {
    const params: Record<string, unknown> = { ...Object.fromEntries(req.query), ...bodyParams(req.body), ...pathParams };
    try {
      const errors = validatePveParams(schema, params);
      if (errors) throw paramError(errors);
      const data = handler(params, req);
      if (withTotal && Array.isArray(data)) return pveOk(data, (data as unknown[] & { total?: number }).total);
      return pveOk(data);
    } catch (err) {
      if (err instanceof PveError) return pveErrorResponse(st, err);
      throw err;
    }
  });
}

/** API-token auth (401 with a reason phrase), then 501 for methods the fake does not serve. */
export function proxmoxGuard(st: ProxmoxState, req: FakeRequest): FakeResponse | undefined {
  advanceTasks(st);
  const auth = req.headers.authorization;
  // pve-http-server delays failed logins by 3 s; the fake answers at once but keeps the empty body.
  if (!auth) return { status: 401, statusText: "No ticket" };
  const m = /^PVEAPIToken[= ](.+)$/.exec(auth);
  if (!m || m[1]!.trim() !== st.token) return { status: 401, statusText: "authentication failure" };
  if (!st.known.some((r) => r.method === req.method && r.regex.test(req.path))) {
    const rel = req.path.startsWith(API) ? req.path.slice(API.length) || "/" : req.path;
    return pveErrorResponse(st, new PveError(501, `Method '${req.method} ${rel}' not implemented`));
  }
  return undefined;
}

function bodyParams(body: unknown): Record<string, unknown> {
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
}
