import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { atLeast } from "../../src/clients/system-version.ts";
import { COLLECTIONS, FILTERS, isDict, Link, linkId, M2M_FIELDS, MAX_PAGE, RESERVED_PARAMS, recsOfType, type Dict, type Rec, type RecStore } from "./model.ts";
import type { NautobotState } from "./state.ts";
import { hostJson, recJson } from "./serializers.ts";
import { deleteService, patchContext, patchService, postJournal, postService, postVm } from "./writes.ts";
import { startSync } from "./git-sync.ts";

/** The REST routes of the fake Nautobot, each answer carrying `API-Version`. */
export function registerRoutes(st: NautobotState): void {
  st.http.guard = (req) => nautobotGuard(st, req);
  const latest = st.apiVersions[st.apiVersions.length - 1]!;
  const on = (method: string, pattern: string, h: (req: FakeRequest, p: Record<string, string>) => FakeResponse | Promise<FakeResponse>) =>
    st.http.route(method, pattern, async (req, p) => {
      const res = await h(req, p);
      return { ...res, headers: { ...res.headers, "API-Version": versionOf(req) ?? latest } };
    });
  on("GET", "/api/status/", () => ({
    status: 200,
    body: { "nautobot-version": st.version, "celery-workers-running": st.noWorker ? 0 : 1, "plugins": {}, "python-version": "3.12.8" },
  }));
  // APIRootView (_ignore_model_permissions, but LOGIN_REQUIRED still wants a token); the apps' roots.
  on("GET", "/api/", (req) => ({ status: 200, body: Object.fromEntries(API_APPS.map((a) => [a, `${originOf(req)}/api/${a}/`])) }));
  on("PATCH", "/api/extras/config-contexts/:id/", (req, p) => patchContext(st, req, p.id!));
  on("POST", "/api/extras/git-repositories/:id/sync/", (req, p) => startSync(st, req, p.id!));
  on("GET", "/api/extras/job-results/:id/logs/", (req, p) => jobLogs(st, req, p.id!));
  on("POST", "/api/extras/journal-entries/", (req) => postJournal(st, req));
  on("POST", "/api/virtualization/virtual-machines/", (req) => postVm(st, req));
  on("POST", "/api/ipam/services/", (req) => postService(st, req));
  on("PATCH", "/api/ipam/services/:id/", (req, p) => patchService(st, req, p.id!));
  on("DELETE", "/api/ipam/services/:id/", (_req, p) => deleteService(st, p.id!));
  for (const [type, path] of Object.entries(COLLECTIONS)) {
    on("GET", `/api/${path}/`, (req) => listRecs(st, req, type));
    on("GET", `/api/${path}/:id/`, (req, p) => getDetail(st, req, type, p.id!));
  }
}

const API_APPS = ["circuits", "cloud", "dcim", "extras", "graphql", "ipam", "plugins", "status", "tenancy", "users", "virtualization", "wireless"];

/** Django's APPEND_SLASH redirect, DRF content negotiation (406), then token auth (403, never 401). */
export function nautobotGuard(st: NautobotState, req: FakeRequest): FakeResponse | undefined {
  const token = st.token;
  const API_VERSIONS = st.apiVersions;
  const headers = { "API-Version": API_VERSIONS[API_VERSIONS.length - 1]! };
  if (req.path.startsWith("/api") && !req.path.endsWith("/")) {
    const q = req.query.toString();
    return { status: 302, headers: { ...headers, Location: `${req.path}/${q ? `?${q}` : ""}` } };
  }
  const version = versionOf(req);
  if (version !== undefined && !API_VERSIONS.includes(version)) {
    const detail = `Invalid version "${version}" in "Accept" header. Supported versions are: ${API_VERSIONS.join(", ")}`;
    return { status: 406, headers, body: { detail } };
  }
  const auth = String(req.headers.authorization ?? "").trim().split(/\s+/).filter(Boolean);
  let detail: string | undefined;
  if (auth.length === 0 || auth[0]!.toLowerCase() !== "token") detail = "Authentication credentials were not provided.";
  else if (auth.length === 1) detail = "Invalid token header. No credentials provided.";
  else if (auth.length > 2) detail = "Invalid token header. Token string should not contain spaces.";
  else if (auth[1] !== token) detail = "Invalid token";
  return detail ? { status: 403, headers, body: { detail } } : undefined;
}

function listRecs(st: NautobotState, req: FakeRequest, type: string): FakeResponse {
  const allowed = new Set(["id", "name", "name__ic", "q", ...(FILTERS[type] ?? [])]);
  // exclude_m2m exists from 2.4 on; before, strict filtering rejects it like any unknown filter.
  const reserved = (k: string) => RESERVED_PARAMS.has(k) && (k !== "exclude_m2m" || atLeast(st.version, 2, 4));
  const unknown = [...new Set(req.query.keys())].filter((k) => !reserved(k) && !allowed.has(k));
  if (unknown.length) return { status: 400, body: Object.fromEntries(unknown.map((k) => [k, ["Unknown filter field"]])) };
  let items = recsOfType(st, type);
  for (const key of new Set(req.query.keys())) {
    if (RESERVED_PARAMS.has(key)) continue;
    const values = req.query.getAll(key);
    items = items.filter((r) => recMatches(st, r, key, values));
  }
  items = sortFor(type, items);
  const origin = originOf(req);
  const depth = depthOf(req);
  const include = req.query.getAll("include").includes("config_context");
  const limit = intParam(req.query.get("limit"), 50, (n) => (n === 0 ? MAX_PAGE : Math.min(n, MAX_PAGE)));
  const offset = intParam(req.query.get("offset"), 0, (n) => n);
  const pageUrl = (off: number | undefined) => {
    const u = new URL(req.path, origin);
    req.query.forEach((v, k) => u.searchParams.append(k, v));
    u.searchParams.set("limit", String(limit));
    if (off === undefined || off <= 0) u.searchParams.delete("offset");
    else u.searchParams.set("offset", String(off));
    return u.toString();
  };
  return {
    status: 200,
    body: {
      count: items.length,
      next: offset + limit < items.length ? pageUrl(offset + limit) : null,
      previous: offset > 0 ? pageUrl(offset - limit) : null,
      results: items.slice(offset, offset + limit).map((r) => withoutM2m(st, req, hostJson(st, r, depth, origin, include))),
    },
  };
}

function recMatches(st: RecStore, rec: Rec, key: string, values: string[]): boolean {
  if (key === "id") return values.includes(rec.id);
  const name = String(rec.fields.name ?? rec.fields.model ?? rec.display);
  if (key === "name") return values.includes(name);
  if (key === "name__ic" || key === "q") return values.some((v) => name.toLowerCase().includes(v.toLowerCase()));
  const range = /^(.+)__(gte|lte)$/.exec(key);
  if (range) {
    const at = Date.parse(String(rec.fields[range[1]!] ?? ""));
    return values.every((v) => (range[2] === "gte" ? at >= Date.parse(v) : at <= Date.parse(v)));
  }
  const value = rec.fields[key];
  const candidates = (Array.isArray(value) ? value : [value]).flatMap((v): string[] => {
    if (v instanceof Link) {
      const target = st.recs.get(v.id);
      return [v.id, String(target?.fields.name ?? target?.fields.model ?? "")];
    }
    if (isDict(v) && "value" in v) return [String(v.value)];
    return v === null || v === undefined ? [] : [String(v)];
  });
  return values.some((v) => candidates.includes(v));
}

function getDetail(st: NautobotState, req: FakeRequest, type: string, id: string): FakeResponse {
  const rec = st.recs.get(id);
  if (!rec || rec.type !== type) return { status: 404, body: { detail: "Not found." } };
  const include = req.query.getAll("include").includes("config_context");
  return { status: 200, body: withoutM2m(st, req, hostJson(st, rec, depthOf(req), originOf(req), include)) };
}

/**
 * `exclude_m2m` (2.4+): many-to-many fields are left out when it is true, which is the default from 3.0 on
 * (tags, content_types and object_types stay).
 */
function withoutM2m(st: NautobotState, req: FakeRequest, body: Dict): Dict {
  if (!atLeast(st.version, 2, 4)) return body;
  const raw = req.query.get("exclude_m2m");
  const exclude = raw === null ? atLeast(st.version, 3) : /^(true|1|yes|on)$/i.test(raw);
  if (!exclude) return body;
  return Object.fromEntries(Object.entries(body).filter(([k]) => !M2M_FIELDS.has(k)));
}

function jobLogs(st: RecStore, req: FakeRequest, id: string): FakeResponse {
  const job = st.recs.get(id);
  if (!job || job.type !== "extras.jobresult") return { status: 404, body: { detail: "Not found." } };
  const origin = originOf(req);
  const logs = recsOfType(st, "extras.joblogentry").filter((l) => linkId(l.fields.job_result) === id);
  return { status: 200, body: logs.map((l) => recJson(st, l, depthOf(req), origin)) };
}

export function sortFor(type: string, items: Rec[]): Rec[] {
  const byName = (a: Rec, b: Rec) => String(a.fields.name ?? a.display).localeCompare(String(b.fields.name ?? b.display), "en", { numeric: true });
  if (type === "extras.configcontext") {
    return items.sort((a, b) => Number(a.fields.weight) - Number(b.fields.weight) || byName(a, b));
  }
  if (type === "extras.jobresult") return items.sort((a, b) => String(b.fields.date_created).localeCompare(String(a.fields.date_created)));
  if (type === "extras.joblogentry" || type === "extras.journalentry" || type === "ipam.service") return items;
  return items.sort(byName);
}

/** The API version asked for in `Accept: application/json; version=X` or `?api_version=X`. */
export function versionOf(req: FakeRequest): string | undefined {
  const fromQuery = req.query.get("api_version");
  if (fromQuery) return fromQuery;
  const m = /version=([^;,\s]+)/.exec(String(req.headers.accept ?? ""));
  return m?.[1];
}

/** Django's build_absolute_uri: the Host the client used. */
export function originOf(req: FakeRequest): string {
  return `http://${req.headers.host ?? "127.0.0.1"}`;
}

export function depthOf(req: FakeRequest): number {
  const d = Number(req.query.get("depth") ?? 0);
  return Number.isInteger(d) && d >= 0 ? Math.min(d, 10) : 0;
}

export function intParam(raw: string | null, fallback: number, map: (n: number) => number): number {
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return map(Number(raw));
}
