import { execFile } from "node:child_process";
import { createHash, randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CONTEXT_FILTERS, loadGitDatasource, type ContextFilter, type LoadedContext, type LoadedDatasource } from "./git-datasource.ts";
import { FakeHttpServer, type FakeRequest, type FakeResponse } from "./fake-http.ts";
import { LAB_DOMAIN, LAB_HOSTS, LAB_TOKENS } from "./homelab.ts";

/**
 * Fake Nautobot 2.4 REST API (api-contracts §2): 403 token auth, `API-Version` header, limit/offset pages with
 * absolute `next`, depth 0/1 nesting, strict filters, `config_context` only with `?include=config_context`,
 * and Git repository sync as a Celery-like job (PENDING -> STARTED -> SUCCESS|FAILURE) that really reads a
 * Git repository's `config_contexts/` with the git CLI. Seeded from src/lab/homelab.ts.
 */
export interface FakeNautobotOptions {
  /** API token to accept; default LAB_TOKENS.nautobot. */
  token?: string | undefined;
  /** Time per job step in ms (PENDING -> STARTED -> done); default 300. */
  stepMs?: number | undefined;
  /** Path or URL of a Git repository (bare or not) with `config_contexts/`; sync clones/fetches its default branch. */
  gitRemote?: string | undefined;
  /** Directory read when there is no `gitRemote` (its working tree, no Git); default the labops repository root. */
  seedDir?: string | undefined;
  /** Start without a Celery worker: `sync/` answers 503. */
  noWorker?: boolean | undefined;
}

/** A journal entry as posted, for test assertions. */
export interface FakeJournalEntry {
  id: string;
  objectType: string;
  objectId: string;
  kind: string;
  comments: string;
  created: string;
}

/** A reference to another record; serialized as `{id, object_type, url}` at depth 0, the object at depth >= 1. */
class Link {
  constructor(readonly id: string) {}
}
const NOTES = Symbol("notes_url");

interface Rec {
  id: string;
  type: string;
  display: string;
  natural: string;
  fields: Record<string, unknown>;
}

type Dict = Record<string, unknown>;
type LogFn = (level: string, grouping: string, message: string, obj?: string) => void;

/** object_type -> REST collection below /api/. */
const COLLECTIONS: Record<string, string> = {
  "dcim.device": "dcim/devices",
  "dcim.devicetype": "dcim/device-types",
  "dcim.manufacturer": "dcim/manufacturers",
  "dcim.location": "dcim/locations",
  "dcim.locationtype": "dcim/location-types",
  "dcim.platform": "dcim/platforms",
  "virtualization.virtualmachine": "virtualization/virtual-machines",
  "virtualization.cluster": "virtualization/clusters",
  "virtualization.clustertype": "virtualization/cluster-types",
  "ipam.ipaddress": "ipam/ip-addresses",
  "ipam.service": "ipam/services",
  "extras.status": "extras/statuses",
  "extras.role": "extras/roles",
  "extras.tag": "extras/tags",
  "extras.configcontext": "extras/config-contexts",
  "extras.configcontextschema": "extras/config-context-schemas",
  "extras.gitrepository": "extras/git-repositories",
  "extras.job": "extras/jobs",
  "extras.jobresult": "extras/job-results",
  "extras.joblogentry": "extras/job-logs",
  "extras.journalentry": "extras/journal-entries",
  "users.user": "users/users",
};

/** Filters beyond id/name/name__ic/q, per object type (Nautobot rejects unknown ones with 400). */
const FILTERS: Record<string, string[]> = {
  "dcim.device": ["role", "status", "location", "platform", "device_type", "cluster", "tags"],
  "virtualization.virtualmachine": ["role", "status", "cluster", "platform", "tags"],
  "ipam.service": ["device", "virtual_machine", "protocol"],
  "extras.configcontext": ["owner_object_id", "owner_content_type", "is_active"],
  "extras.configcontextschema": ["owner_object_id"],
  "extras.status": ["content_types"],
  "extras.role": ["content_types"],
  "extras.jobresult": ["status"],
  "extras.joblogentry": ["job_result", "log_level", "grouping"],
  "extras.journalentry": ["assigned_object_type", "assigned_object_id", "kind"],
  "ipam.ipaddress": ["address", "host"],
};
const RESERVED_PARAMS = new Set(["limit", "offset", "depth", "include", "api_version", "format", "exclude_m2m", "sort"]);

/** Which record type a context filter resolves against, and the model name Nautobot puts in its error. */
const FILTER_MODELS: Record<ContextFilter, [string, string]> = {
  locations: ["dcim.location", "Location"],
  device_types: ["dcim.devicetype", "DeviceType"],
  roles: ["extras.role", "Role"],
  platforms: ["dcim.platform", "Platform"],
  cluster_groups: ["virtualization.clustergroup", "ClusterGroup"],
  clusters: ["virtualization.cluster", "Cluster"],
  tenant_groups: ["tenancy.tenantgroup", "TenantGroup"],
  tenants: ["tenancy.tenant", "Tenant"],
  tags: ["extras.tag", "Tag"],
  dynamic_groups: ["extras.dynamicgroup", "DynamicGroup"],
  device_redundancy_groups: ["dcim.deviceredundancygroup", "DeviceRedundancyGroup"],
};
/** dynamic_groups is serialized only with CONFIG_CONTEXT_DYNAMIC_GROUPS_ENABLED, which the fake leaves off. */
const SERIALIZED_FILTERS = CONTEXT_FILTERS.filter((f) => f !== "dynamic_groups");

const API_VERSIONS = ["2.0", "2.1", "2.2", "2.3", "2.4"];
const MAX_PAGE = 1000;
const SEED_TIME = "2025-01-06T09:00:00.000000Z";
const JOURNAL_KINDS: Record<string, string> = { info: "Info", success: "Success", warning: "Warning", danger: "Danger" };
const DEVICE_MODELS: Record<string, string> = {
  hypervisor: "MS-01",
  storage: "TrueNAS Mini X+",
  switch: "CRS326-24G-2S+",
  firewall: "DEC740",
};
const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

const nowIso = () => new Date().toISOString().replace("Z", "000Z");
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
const linkId = (v: unknown): string | undefined => (v instanceof Link ? v.id : undefined);
const links = (v: unknown): string[] => (Array.isArray(v) ? v.map(linkId).filter((x): x is string => !!x) : []);

/** A deterministic UUID (v5 layout) so seeded ids survive restarts of the lab. */
function stableId(type: string, key: string): string {
  const h = createHash("sha1").update(`labops-fake-nautobot:${type}:${key}`).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

function deepMerge(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isDict(cur) && isDict(v) ? deepMerge(cur, v) : structuredClone(v);
  }
  return out;
}

/** Python's repr of a lookup dict, as it appears in Nautobot's "No matching X found for {...}" message. */
const pyRepr = (d: Dict) =>
  `{${Object.entries(d).map(([k, v]) => `'${k}': ${typeof v === "string" ? `'${v}'` : JSON.stringify(v)}`).join(", ")}}`;

export class FakeNautobot {
  readonly http = new FakeHttpServer("nautobot");
  readonly token: string;
  #url = "";
  #noWorker: boolean;
  #closed = false;
  readonly #stepMs: number;
  readonly #gitRemote: string | undefined;
  readonly #seedDir: string;
  readonly #recs = new Map<string, Rec>();
  /** Pending job-step timers and how to wake them early (close() wakes them so the job loop ends). */
  readonly #timers = new Map<NodeJS.Timeout, () => void>();
  #gitQueue: Promise<unknown> = Promise.resolve();
  #checkoutDir: string | undefined;
  readonly #repo: Rec;
  readonly #user: Rec;
  readonly #syncJob: Rec;

  constructor(opts: FakeNautobotOptions = {}) {
    this.token = opts.token ?? LAB_TOKENS.nautobot;
    this.#stepMs = opts.stepMs ?? 300;
    this.#gitRemote = opts.gitRemote;
    this.#seedDir = opts.seedDir ?? REPO_ROOT;
    this.#noWorker = opts.noWorker ?? false;
    this.#user = this.#add("users.user", "labops", "labops", { username: "labops", first_name: "", last_name: "", email: "" });
    this.#syncJob = this.#add("extras.job", "nautobot.core.jobs.GitRepositorySync", "Git Repository: Sync", {
      module_name: "nautobot.core.jobs",
      job_class_name: "GitRepositorySync",
      grouping: "System Jobs",
      name: "Git Repository: Sync",
      installed: true,
      enabled: true,
    });
    this.#repo = this.#add("extras.gitrepository", "labops", "labops", {
      provided_contents: ["extras.configcontext", "extras.configcontextschema"],
      name: "labops",
      slug: "labops",
      remote_url: this.#gitRemote ?? pathToFileURL(this.#seedDir).toString(),
      branch: "main",
      current_head: "",
      secrets_group: null,
      created: SEED_TIME,
      last_updated: SEED_TIME,
      notes_url: NOTES,
      custom_fields: {},
      tags: [],
    });
    this.#seedInventory();
    this.#routes();
  }

  get url(): string {
    return this.#url;
  }

  /**
   * Loads the config contexts (from `gitRemote` when given, else `seedDir`), then listens on 127.0.0.1:0.
   * Rejects when the remote cannot be cloned, so a misconfigured lab fails loudly instead of serving no contexts.
   */
  async start(): Promise<string> {
    const { dir, head, branch } = await this.#checkout();
    Object.assign(this.#repo.fields, { current_head: head, branch });
    this.#applyDatasource(loadGitDatasource(dir), () => {});
    this.#url = await this.http.listen();
    return this.#url;
  }

  async close(): Promise<void> {
    this.#closed = true;
    for (const [t, wake] of this.#timers) {
      clearTimeout(t);
      wake();
    }
    this.#timers.clear();
    await this.http.close();
    await this.#gitQueue.catch(() => {});
    if (this.#checkoutDir) await rm(this.#checkoutDir, { recursive: true, force: true });
  }

  /** Simulates a stopped Celery worker: `sync/` answers 503. */
  setNoWorker(noWorker: boolean): void {
    this.#noWorker = noWorker;
  }

  /** Journal entries posted so far, oldest first. */
  journal(): FakeJournalEntry[] {
    return this.#ofType("extras.journalentry").map((r) => ({
      id: r.id,
      objectType: String(r.fields.assigned_object_type),
      objectId: String(r.fields.assigned_object_id),
      kind: String((r.fields.kind as Dict).value),
      comments: String(r.fields.comments),
      created: String(r.fields.created),
    }));
  }

  /** Names of every device and virtual machine: what the Nautobot dynamic inventory gives AAP. */
  hostNames(): string[] {
    return [...this.#ofType("dcim.device"), ...this.#ofType("virtualization.virtualmachine")].map((r) => r.display).sort();
  }

  /** Id of a device or VM by name (undefined when absent). */
  hostId(name: string): string | undefined {
    return this.#find("dcim.device", name)?.id ?? this.#find("virtualization.virtualmachine", name)?.id;
  }

  /** The id of the Git repository record "labops". */
  get gitRepositoryId(): string {
    return this.#repo.id;
  }

  /** The data of a config context by name, as stored (not merged). */
  contextData(name: string): Dict | undefined {
    return this.#find("extras.configcontext", name)?.fields.data as Dict | undefined;
  }

  // ---- store -------------------------------------------------------------------------------------

  #add(type: string, natural: string, display: string, fields: Dict, id = stableId(type, natural)): Rec {
    const rec: Rec = { id, type, display, natural, fields };
    this.#recs.set(id, rec);
    return rec;
  }

  #ofType(type: string): Rec[] {
    return [...this.#recs.values()].filter((r) => r.type === type);
  }

  #find(type: string, name: string): Rec | undefined {
    return this.#ofType(type).find((r) => r.fields.name === name);
  }

  #seedInventory(): void {
    const t = { created: SEED_TIME, last_updated: SEED_TIME };
    const primary = { ...t, notes_url: NOTES, custom_fields: {}, tags: [] as Link[] };
    const statuses = ["Active", "Planned", "Staged", "Offline", "Decommissioning"].map((name) =>
      this.#add("extras.status", name, name, {
        content_types: ["dcim.device", "virtualization.virtualmachine", "dcim.location", "ipam.ipaddress"],
        name, color: name === "Active" ? "4caf50" : "9e9e9e", description: "", ...primary,
      }),
    );
    const active = new Link(statuses[0]!.id);
    const siteType = this.#add("dcim.locationtype", "Site", "Site", { name: "Site", parent: null, nestable: false, content_types: ["dcim.device", "virtualization.cluster"], description: "", ...primary });
    const location = this.#add("dcim.location", "Homelab", "Homelab", {
      location_type: new Link(siteType.id), parent: null, status: active, name: "Homelab", description: "", facility: "", time_zone: null, tenant: null, ...primary,
    });
    const pveType = this.#add("virtualization.clustertype", "Proxmox", "Proxmox", { name: "Proxmox", description: "", ...primary });
    const cluster = this.#add("virtualization.cluster", "pve", "pve", {
      cluster_type: new Link(pveType.id), cluster_group: null, tenant: null, location: new Link(location.id), name: "pve", comments: "", ...primary,
    });
    const lxcTag = this.#add("extras.tag", "lxc", "lxc", { name: "lxc", color: "2196f3", description: "Proxmox LXC container", content_types: ["virtualization.virtualmachine"], ...primary });
    const manufacturer = this.#add("dcim.manufacturer", "Generic", "Generic", { name: "Generic", description: "", ...primary });
    const named = (type: string, name: string, extra: Dict) =>
      this.#find(type, name) ?? this.#add(type, name, name, { name, ...extra, ...primary });

    for (const h of LAB_HOSTS) {
      const isDevice = h.kind === "device";
      const hostType = isDevice ? "dcim.device" : "virtualization.virtualmachine";
      const role = named("extras.role", h.role, { color: "9e9e9e", weight: null, description: "", content_types: ["dcim.device", "virtualization.virtualmachine"] });
      const platform = named("dcim.platform", h.platform, { manufacturer: null, network_driver: "", napalm_driver: "", napalm_args: null, description: "" });
      const ip = this.#add("ipam.ipaddress", h.ip, `${h.ip}/24`, {
        address: `${h.ip}/24`, host: h.ip, mask_length: 24, type: { value: "host", label: "Host" }, ip_version: 4,
        status: active, role: null, parent: null, tenant: null, dns_name: `${h.name}.${LAB_DOMAIN}`, description: "", nat_inside: null, ...primary,
      });
      const common = {
        status: active, role: new Link(role.id), platform: new Link(platform.id), tenant: null,
        primary_ip4: new Link(ip.id), primary_ip6: null, comments: "", software_version: null,
        local_config_context_schema: null, local_config_context_data: null,
        local_config_context_data_owner_content_type: null, local_config_context_data_owner_object_id: null,
      };
      let host: Rec;
      if (isDevice) {
        const model = DEVICE_MODELS[h.role] ?? "Generic Server";
        // Device types have a `model`, not a `name`.
        const deviceType =
          this.#ofType("dcim.devicetype").find((r) => r.fields.model === model) ??
          this.#add("dcim.devicetype", model, model, { manufacturer: new Link(manufacturer.id), model, part_number: "", u_height: 1, is_full_depth: false, comments: "", ...primary });
        host = this.#add(hostType, h.name, h.name, {
          name: h.name, serial: "", asset_tag: null, position: null, face: null, device_type: new Link(deviceType.id),
          location: new Link(location.id), rack: null, cluster: h.role === "hypervisor" ? new Link(cluster.id) : null,
          virtual_chassis: null, vc_position: null, vc_priority: null, device_redundancy_group: null,
          device_redundancy_group_priority: null, secrets_group: null, controller_managed_device_group: null,
          ...common, ...primary,
        });
      } else {
        const resources = h.kind === "vm" ? { vcpus: 4, memory: 8192, disk: 64 } : { vcpus: 2, memory: 2048, disk: 16 };
        host = this.#add(hostType, h.name, h.name, {
          cluster: new Link(cluster.id), name: h.name, ...resources, ...common, ...primary,
          tags: h.kind === "lxc" ? [new Link(lxcTag.id)] : [],
        });
      }
      for (const s of h.services) this.#addService(host, s.name, s.protocol, s.ports);
    }
  }

  #addService(host: Rec, name: string, protocol: string, ports: number[]): void {
    const onDevice = host.type === "dcim.device";
    this.#add("ipam.service", `${host.fields.name}:${name}`, `${name} (${protocol.toUpperCase()}/${ports.join(", ")})`, {
      device: onDevice ? new Link(host.id) : null,
      virtual_machine: onDevice ? null : new Link(host.id),
      name, protocol: { value: protocol, label: protocol.toUpperCase() }, ports, description: "", ip_addresses: [],
      created: SEED_TIME, last_updated: SEED_TIME, notes_url: NOTES, custom_fields: {}, tags: [],
    });
  }

  // ---- serialization -----------------------------------------------------------------------------

  #ref(id: string, origin: string, depth: number): unknown {
    const rec = this.#recs.get(id);
    if (!rec) return null;
    if (depth > 0) return this.#json(rec, depth - 1, origin);
    return { id, object_type: rec.type, url: this.#urlOf(rec, origin) };
  }

  #urlOf(rec: Rec, origin: string): string {
    return `${origin}/api/${COLLECTIONS[rec.type] ?? "extras/unknown"}/${rec.id}/`;
  }

  #json(rec: Rec, depth: number, origin: string): Dict {
    const url = this.#urlOf(rec, origin);
    const slug = rec.natural.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
    const out: Dict = { id: rec.id, object_type: rec.type, display: rec.display, url, natural_slug: `${slug}_${rec.id.slice(0, 4)}` };
    for (const [k, v] of Object.entries(rec.fields)) {
      if (v === NOTES) out[k] = `${url}notes/`;
      else if (v instanceof Link) out[k] = this.#ref(v.id, origin, depth);
      else if (Array.isArray(v) && v.some((x) => x instanceof Link)) out[k] = links(v).map((id) => this.#ref(id, origin, depth));
      else out[k] = v;
    }
    return out;
  }

  #hostJson(rec: Rec, depth: number, origin: string, include: boolean): Dict {
    const out = this.#json(rec, depth, origin);
    if (include && (rec.type === "dcim.device" || rec.type === "virtualization.virtualmachine")) {
      out.config_context = this.#renderContext(rec);
    }
    return out;
  }

  /** Nautobot's get_config_context(): active matching contexts by weight then name, deep-merged, then local data. */
  #renderContext(host: Rec): Dict {
    const f = host.fields;
    const cluster = this.#recs.get(linkId(f.cluster) ?? "");
    const location = linkId(f.location) ?? linkId(cluster?.fields.location);
    const attrs: Record<ContextFilter, string[]> = {
      locations: location ? [location] : [],
      device_types: links([f.device_type]),
      roles: links([f.role]),
      platforms: links([f.platform]),
      cluster_groups: links([cluster?.fields.cluster_group]),
      clusters: links([f.cluster]),
      tenant_groups: [],
      tenants: links([f.tenant]),
      tags: links(f.tags),
      dynamic_groups: [],
      device_redundancy_groups: links([f.device_redundancy_group]),
    };
    const applies = (c: Rec) =>
      c.fields.is_active === true &&
      CONTEXT_FILTERS.every((filter) => {
        const ids = links(c.fields[filter]);
        return ids.length === 0 || ids.some((id) => attrs[filter].includes(id));
      });
    const contexts = this.#ofType("extras.configcontext")
      .filter(applies)
      .sort((a, b) => Number(a.fields.weight) - Number(b.fields.weight) || String(a.fields.name).localeCompare(String(b.fields.name)));
    let merged: Dict = {};
    for (const c of contexts) merged = deepMerge(merged, c.fields.data as Dict);
    if (isDict(f.local_config_context_data)) merged = deepMerge(merged, f.local_config_context_data);
    return merged;
  }

  // ---- HTTP --------------------------------------------------------------------------------------

  #routes(): void {
    this.http.guard = (req) => this.#guard(req);
    const on = (method: string, pattern: string, h: (req: FakeRequest, p: Record<string, string>) => FakeResponse | Promise<FakeResponse>) =>
      this.http.route(method, pattern, async (req, p) => {
        const res = await h(req, p);
        return { ...res, headers: { ...res.headers, "API-Version": versionOf(req) ?? "2.4" } };
      });
    on("GET", "/api/status/", () => ({
      status: 200,
      body: { "nautobot-version": "2.4.36", "celery-workers-running": this.#noWorker ? 0 : 1, "plugins": {}, "python-version": "3.12.8" },
    }));
    on("PATCH", "/api/extras/config-contexts/:id/", (req, p) => this.#patchContext(req, p.id!));
    on("POST", "/api/extras/git-repositories/:id/sync/", (req, p) => this.#sync(req, p.id!));
    on("GET", "/api/extras/job-results/:id/logs/", (req, p) => this.#jobLogs(req, p.id!));
    on("POST", "/api/extras/journal-entries/", (req) => this.#postJournal(req));
    on("POST", "/api/virtualization/virtual-machines/", (req) => this.#postVm(req));
    for (const [type, path] of Object.entries(COLLECTIONS)) {
      on("GET", `/api/${path}/`, (req) => this.#list(req, type));
      on("GET", `/api/${path}/:id/`, (req, p) => this.#detail(req, type, p.id!));
    }
  }

  /** Django's APPEND_SLASH redirect, DRF content negotiation (406), then token auth (403, never 401). */
  #guard(req: FakeRequest): FakeResponse | undefined {
    const headers = { "API-Version": "2.4" };
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
    else if (auth[1] !== this.token) detail = "Invalid token";
    return detail ? { status: 403, headers, body: { detail } } : undefined;
  }

  #list(req: FakeRequest, type: string): FakeResponse {
    const allowed = new Set(["id", "name", "name__ic", "q", ...(FILTERS[type] ?? [])]);
    const unknown = [...new Set(req.query.keys())].filter((k) => !RESERVED_PARAMS.has(k) && !allowed.has(k));
    if (unknown.length) return { status: 400, body: Object.fromEntries(unknown.map((k) => [k, ["Unknown filter field"]])) };
    let items = this.#ofType(type);
    for (const key of new Set(req.query.keys())) {
      if (RESERVED_PARAMS.has(key)) continue;
      const values = req.query.getAll(key);
      items = items.filter((r) => this.#matches(r, key, values));
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
        results: items.slice(offset, offset + limit).map((r) => this.#hostJson(r, depth, origin, include)),
      },
    };
  }

  #matches(rec: Rec, key: string, values: string[]): boolean {
    if (key === "id") return values.includes(rec.id);
    const name = String(rec.fields.name ?? rec.fields.model ?? rec.display);
    if (key === "name") return values.includes(name);
    if (key === "name__ic" || key === "q") return values.some((v) => name.toLowerCase().includes(v.toLowerCase()));
    const value = rec.fields[key];
    const candidates = (Array.isArray(value) ? value : [value]).flatMap((v): string[] => {
      if (v instanceof Link) {
        const target = this.#recs.get(v.id);
        return [v.id, String(target?.fields.name ?? target?.fields.model ?? "")];
      }
      if (isDict(v) && "value" in v) return [String(v.value)];
      return v === null || v === undefined ? [] : [String(v)];
    });
    return values.some((v) => candidates.includes(v));
  }

  #detail(req: FakeRequest, type: string, id: string): FakeResponse {
    const rec = this.#recs.get(id);
    if (!rec || rec.type !== type) return { status: 404, body: { detail: "Not found." } };
    const include = req.query.getAll("include").includes("config_context");
    return { status: 200, body: this.#hostJson(rec, depthOf(req), originOf(req), include) };
  }

  #patchContext(req: FakeRequest, id: string): FakeResponse {
    const rec = this.#recs.get(id);
    if (!rec || rec.type !== "extras.configcontext") return { status: 404, body: { detail: "Not found." } };
    const body = isDict(req.body) ? req.body : {};
    const errors: Record<string, string[]> = {};
    if ("data" in body && !isDict(body.data)) errors.data = ["JSON data must be in object form"];
    if ("weight" in body && !(Number.isInteger(body.weight) && Number(body.weight) >= 0)) errors.weight = ["A valid integer is required."];
    if ("name" in body && (typeof body.name !== "string" || body.name === "")) errors.name = ["This field may not be blank."];
    if (Object.keys(errors).length) return { status: 400, body: errors };
    for (const key of ["data", "weight", "description", "is_active", "name"]) {
      if (key in body) rec.fields[key] = structuredClone(body[key]);
    }
    rec.display = String(rec.fields.name);
    rec.fields.last_updated = nowIso();
    return { status: 200, body: this.#json(rec, 0, originOf(req)) };
  }

  #postJournal(req: FakeRequest): FakeResponse {
    const b = isDict(req.body) ? req.body : {};
    const errors: Record<string, string[]> = {};
    const type = b.assigned_object_type;
    const kind = b.kind ?? "info";
    if (type === undefined) errors.assigned_object_type = ["This field is required."];
    else if (typeof type !== "string" || !COLLECTIONS[type]) errors.assigned_object_type = [`Invalid content type: ${String(type)}`];
    if (b.assigned_object_id === undefined) errors.assigned_object_id = ["This field is required."];
    if (typeof b.comments !== "string" || b.comments.trim() === "") errors.comments = ["This field is required."];
    if (typeof kind !== "string" || !JOURNAL_KINDS[kind]) errors.kind = [`"${String(kind)}" is not a valid choice.`];
    const target = this.#recs.get(String(b.assigned_object_id));
    if (!errors.assigned_object_type && !errors.assigned_object_id && target?.type !== type) {
      errors.assigned_object_id = [`No ${String(type)} found with id ${String(b.assigned_object_id)}.`];
    }
    if (Object.keys(errors).length || !target) return { status: 400, body: errors };
    const created = nowIso();
    const k = kind as string;
    const rec = this.#add("extras.journalentry", created, `${created.slice(0, 19).replace("T", " ")} - ${k}`, {
      assigned_object_type: type, assigned_object_id: target.id, assigned_object: new Link(target.id),
      created, created_by: new Link(this.#user.id), kind: { value: k, label: JOURNAL_KINDS[k]! },
      comments: b.comments, last_updated: created, notes_url: NOTES, custom_fields: {}, tags: [],
    }, randomUUID());
    const body = this.#json(rec, 0, originOf(req));
    return { status: 201, body, headers: { Location: String(body.url) } };
  }

  #postVm(req: FakeRequest): FakeResponse {
    const b = isDict(req.body) ? req.body : {};
    const errors: Record<string, string[]> = {};
    const related = (field: string, type: string, required: boolean): Rec | undefined => {
      const v = b[field];
      if (v === undefined || v === null) {
        if (required) errors[field] = ["This field is required."];
        return undefined;
      }
      const rec = isDict(v) ? this.#find(type, String(v.name)) : this.#recs.get(String(v));
      if (rec?.type === type) return rec;
      errors[field] = isDict(v)
        ? [`Related object not found using the provided attributes: ${pyRepr(v)}`]
        : [`Invalid pk "${String(v)}" - object does not exist.`];
      return undefined;
    };
    if (typeof b.name !== "string" || b.name.trim() === "") errors.name = ["This field is required."];
    else if (b.name.length > 64) errors.name = ["Ensure this field has no more than 64 characters."];
    const cluster = related("cluster", "virtualization.cluster", true);
    const status = related("status", "extras.status", true);
    const role = related("role", "extras.role", false);
    const platform = related("platform", "dcim.platform", false);
    for (const f of ["vcpus", "memory", "disk"]) {
      if (b[f] !== undefined && b[f] !== null && !(Number.isInteger(b[f]) && Number(b[f]) >= 0)) errors[f] = ["A valid integer is required."];
    }
    if (!errors.name && cluster && this.#ofType("virtualization.virtualmachine").some((v) => v.fields.name === b.name && linkId(v.fields.cluster) === cluster.id)) {
      errors.name = ["A virtual machine with this name already exists in the assigned cluster."];
    }
    if (Object.keys(errors).length || !cluster || !status) return { status: 400, body: errors };
    const now = nowIso();
    const name = String(b.name);
    const rec = this.#add("virtualization.virtualmachine", name, name, {
      cluster: new Link(cluster.id), name, vcpus: b.vcpus ?? null, memory: b.memory ?? null, disk: b.disk ?? null,
      status: new Link(status.id), role: role ? new Link(role.id) : null, platform: platform ? new Link(platform.id) : null,
      tenant: null, primary_ip4: null, primary_ip6: null, comments: typeof b.comments === "string" ? b.comments : "",
      software_version: null, local_config_context_schema: null, local_config_context_data: null,
      local_config_context_data_owner_content_type: null, local_config_context_data_owner_object_id: null,
      created: now, last_updated: now, notes_url: NOTES, custom_fields: {}, tags: [],
    }, randomUUID());
    const body = this.#json(rec, 0, originOf(req));
    return { status: 201, body, headers: { Location: String(body.url) } };
  }

  #jobLogs(req: FakeRequest, id: string): FakeResponse {
    const job = this.#recs.get(id);
    if (!job || job.type !== "extras.jobresult") return { status: 404, body: { detail: "Not found." } };
    const origin = originOf(req);
    const logs = this.#ofType("extras.joblogentry").filter((l) => linkId(l.fields.job_result) === id);
    return { status: 200, body: logs.map((l) => this.#json(l, depthOf(req), origin)) };
  }

  // ---- Git sync ----------------------------------------------------------------------------------

  #sync(req: FakeRequest, id: string): FakeResponse {
    const repo = this.#recs.get(id);
    if (!repo || repo.type !== "extras.gitrepository") return { status: 404, body: { detail: "Not found." } };
    if (this.#noWorker) {
      return { status: 503, body: { detail: "Unable to process request: No celery workers running on queue default." } };
    }
    const created = nowIso();
    const jobId = randomUUID();
    const job = this.#add("extras.jobresult", jobId, "", {
      status: { value: "PENDING", label: "PENDING" }, name: "Git Repository: Sync", task_name: null,
      date_created: created, date_started: null, date_done: null, result: null, worker: null,
      task_args: [], task_kwargs: {}, celery_kwargs: {}, traceback: null, meta: null,
      job_model: new Link(this.#syncJob.id), user: new Link(this.#user.id), scheduled_job: null,
      custom_fields: {}, computed_fields: {}, files: [],
    }, jobId);
    this.#setStatus(job, "PENDING");
    this.#gitQueue = this.#gitQueue.then(() => this.#runSync(job)).catch(() => {});
    const name = String(repo.fields.name);
    return { status: 200, body: { message: `Repository ${name} sync job added to queue.`, job_result: this.#json(job, 0, originOf(req)) } };
  }

  #setStatus(job: Rec, status: string): void {
    job.fields.status = { value: status, label: status };
    const started = String(job.fields.date_created).replace("T", " ").replace("Z", "+00:00");
    job.display = `Git Repository: Sync started at ${started} (${status})`;
  }

  #delay(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.#timers.delete(t);
        resolve();
      }, ms);
      this.#timers.set(t, resolve);
    });
  }

  /** GitRepositorySync: refresh the local copy, reload its contents; bad files are logged, not fatal. */
  async #runSync(job: Rec): Promise<void> {
    const repo = this.#repo;
    const log: LogFn = (level, grouping, message, obj) => this.#log(job, level, grouping, message, obj);
    await this.#delay(this.#stepMs);
    if (this.#closed) return;
    this.#setStatus(job, "STARTED");
    Object.assign(job.fields, { date_started: nowIso(), worker: "celery@nautobot-worker", task_name: "nautobot.core.jobs.GitRepositorySync" });
    log("info", "initialization", "Running job");
    log("info", "run", `Creating/refreshing local copy of Git repository "${String(repo.fields.name)}"...`);
    let loaded: LoadedDatasource;
    try {
      const { dir, head, branch, changed } = await this.#checkout();
      if (changed) log("info", "run", "Repository successfully refreshed");
      Object.assign(repo.fields, { current_head: head, branch, last_updated: nowIso() });
      log("info", "run", `${String(repo.fields.name)}: the current Git repository hash is "${head}"`, String(repo.fields.name));
      loaded = loadGitDatasource(dir);
    } catch (err) {
      const message = (err as Error).message;
      log("error", "run", message);
      log("info", "run", "Repository synchronization completed");
      await this.#delay(this.#stepMs);
      if (this.#closed) return;
      return this.#finish(job, "FAILURE", `Traceback (most recent call last):\nRuntimeError: ${message}`);
    }
    await this.#delay(this.#stepMs);
    if (this.#closed) return;
    this.#applyDatasource(loaded, log);
    log("info", "run", "Repository synchronization completed");
    log("info", "post_run", "Job completed");
    this.#finish(job, "SUCCESS", null);
  }

  #finish(job: Rec, status: "SUCCESS" | "FAILURE", traceback: string | null): void {
    this.#setStatus(job, status);
    Object.assign(job.fields, { date_done: nowIso(), traceback });
  }

  #log(job: Rec, level: string, grouping: string, message: string, obj?: string): void {
    const created = nowIso();
    this.#add("extras.joblogentry", randomUUID(), message, {
      job_result: new Link(job.id), log_level: level, grouping, message, created,
      log_object: obj ?? null, absolute_url: null,
    }, randomUUID());
  }

  /** A checkout of the remote's default branch (clone once, then fetch), or `seedDir` as is without a remote. */
  async #checkout(): Promise<{ dir: string; head: string; branch: string; changed: boolean }> {
    if (this.#gitRemote === undefined) {
      if (!existsSync(this.#seedDir)) throw new Error(`seed directory ${this.#seedDir} does not exist`);
      const head = await git(["rev-parse", "HEAD"], this.#seedDir).catch(() => "");
      return { dir: this.#seedDir, head, branch: "main", changed: true };
    }
    let dir: string;
    let fresh = false;
    if (this.#checkoutDir === undefined) {
      const parent = await mkdtemp(join(tmpdir(), "fake-nautobot-git-"));
      dir = join(parent, "repo");
      try {
        await git(["clone", "--quiet", "--no-checkout", "--", this.#gitRemote, dir], parent);
      } catch (err) {
        await rm(parent, { recursive: true, force: true });
        throw err;
      }
      this.#checkoutDir = parent;
      fresh = true;
    } else {
      dir = join(this.#checkoutDir, "repo");
      await git(["fetch", "--quiet", "--prune", "origin"], dir);
      await git(["remote", "set-head", "origin", "--auto"], dir);
    }
    const before = fresh ? "" : await git(["rev-parse", "--verify", "--quiet", "HEAD"], dir).catch(() => "");
    const ref = await git(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], dir).catch(() => {
      throw new Error(`Git repository ${this.#gitRemote} has no default branch (is it empty?)`);
    });
    await git(["checkout", "--quiet", "--force", "--detach", ref], dir);
    const head = await git(["rev-parse", "HEAD"], dir);
    return { dir, head, branch: ref.replace(/^origin\//, ""), changed: before !== head };
  }

  /** update_git_config_contexts() and friends: upsert what the repository defines, delete what it no longer does. */
  #applyDatasource(ds: LoadedDatasource, log: LogFn): void {
    const repo = this.#repo;
    const owned = (type: string) => this.#ofType(type).filter((r) => r.fields.owner_object_id === repo.id);
    const owner = { owner_content_type: "extras.gitrepository", owner_object_id: repo.id, owner: new Link(repo.id) };
    const keptSchemas = new Set<string>();
    for (const s of ds.schemas) {
      log("info", "config context schemas", `Loading config context schema from \`${basename(s.file)}\``);
      const existing = owned("extras.configcontextschema").find((r) => r.fields.name === s.name);
      const fields = { name: s.name, description: s.description, data_schema: s.dataSchema, ...owner };
      const same = existing && JSON.stringify([existing.fields.description, existing.fields.data_schema]) === JSON.stringify([s.description, s.dataSchema]);
      if (existing && !same) Object.assign(existing.fields, fields, { last_updated: nowIso() });
      if (!existing) this.#add("extras.configcontextschema", `${repo.id}:${s.name}`, s.name, { ...fields, created: nowIso(), last_updated: nowIso(), notes_url: NOTES });
      const verb = !existing ? "Successfully created" : same ? "No change to" : "Successfully refreshed";
      log("info", "config context schemas", `${verb} config context schema`, s.name);
      keptSchemas.add(s.name);
    }
    for (const r of owned("extras.configcontextschema")) {
      if (keptSchemas.has(String(r.fields.name))) continue;
      this.#recs.delete(r.id);
      log("warning", "config context schemas", `Deleted config context schema ${String(r.fields.name)}`);
    }
    for (const e of ds.errors) log("error", groupingOf(e.file), e.message);
    for (const w of ds.warnings) log("warning", "config contexts", w.message);

    const kept = new Set<string>();
    for (const c of ds.contexts) {
      log("info", "config contexts", `Loading config context from \`${c.file.replace(/^config_contexts\//, "")}\``);
      const scope = this.#resolveScope(c);
      if (typeof scope === "string") {
        log("error", "config contexts", `Error in loading config context data from \`${basename(c.file)}\`: ${scope}`);
        continue;
      }
      kept.add(c.name);
      this.#upsertContext(c, scope, owner, log);
    }
    for (const r of owned("extras.configcontext")) {
      if (kept.has(String(r.fields.name))) continue;
      this.#recs.delete(r.id);
      log("warning", "config contexts", `Deleted config context ${String(r.fields.name)}`);
    }
    this.#applyLocals(ds, log);
  }

  #resolveScope(c: LoadedContext): Record<ContextFilter, Link[]> | string {
    const out = {} as Record<ContextFilter, Link[]>;
    for (const filter of CONTEXT_FILTERS) {
      const [type, model] = FILTER_MODELS[filter];
      out[filter] = [];
      for (const lookup of c.scope[filter] ?? []) {
        const hits = this.#ofType(type).filter((r) => Object.entries(lookup).every(([k, v]) => r.fields[k] === v));
        if (hits.length !== 1) {
          const what = hits.length === 0 ? `No matching ${model}` : `Multiple ${model}`;
          return `${what} found for ${pyRepr(lookup)}; unable to create/update context ${c.name}`;
        }
        out[filter].push(new Link(hits[0]!.id));
      }
    }
    return out;
  }

  #upsertContext(c: LoadedContext, scope: Record<ContextFilter, Link[]>, owner: Dict, log: LogFn): void {
    const schema = c.configContextSchema === null ? undefined : this.#find("extras.configcontextschema", c.configContextSchema);
    if (c.configContextSchema !== null && !schema) {
      log("error", "config contexts", `ConfigContextSchema ${c.configContextSchema} does not exist.`, c.name);
    }
    const fields: Dict = {
      name: c.name, weight: c.weight, description: c.description, is_active: c.isActive, data: c.data,
      config_context_schema: schema ? new Link(schema.id) : null, ...owner,
    };
    for (const f of SERIALIZED_FILTERS) fields[f] = scope[f];
    const existing = this.#ofType("extras.configcontext").find((r) => r.fields.name === c.name && r.fields.owner_object_id === owner.owner_object_id);
    const comparable = (d: Dict) => JSON.stringify(d, (_k, v: unknown) => (v instanceof Link ? v.id : v));
    if (!existing) {
      const now = nowIso();
      this.#add("extras.configcontext", `${String(owner.owner_object_id)}:${c.name}`, c.name, { ...fields, created: now, last_updated: now, notes_url: NOTES });
      log("info", "config contexts", "Successfully created config context", c.name);
      return;
    }
    const before = comparable(Object.fromEntries(Object.keys(fields).map((k) => [k, existing.fields[k]])));
    if (before === comparable(fields)) {
      log("info", "config contexts", "No change to config context", c.name);
      return;
    }
    Object.assign(existing.fields, fields, { last_updated: nowIso() });
    existing.display = c.name;
    log("info", "config contexts", "Successfully refreshed config context", c.name);
  }

  #applyLocals(ds: LoadedDatasource, log: LogFn): void {
    const repo = this.#repo;
    const kept = new Set<string>();
    for (const l of ds.locals) {
      const type = l.type === "devices" ? "dcim.device" : "virtualization.virtualmachine";
      log("info", "local config contexts", `Loading local config context for \`${l.objectName}\` from \`${l.type}/${basename(l.file)}\``);
      const hits = this.#ofType(type).filter((r) => r.fields.name === l.objectName);
      if (hits.length !== 1) {
        const why = hits.length ? "multiple records with the same name found; unable to determine which one to apply to!" : "record not found!";
        log("error", "local config contexts", `Error in loading local config context from \`${l.type}/${basename(l.file)}\`: ${why}`);
        continue;
      }
      kept.add(hits[0]!.id);
      const f = hits[0]!.fields;
      if (f.local_config_context_data_owner_object_id === repo.id && JSON.stringify(f.local_config_context_data) === JSON.stringify(l.data)) {
        log("info", "local config contexts", "No change to local config context", l.objectName);
        continue;
      }
      Object.assign(f, {
        local_config_context_data: l.data,
        local_config_context_data_owner_content_type: "extras.gitrepository",
        local_config_context_data_owner_object_id: repo.id,
      });
      log("info", "local config contexts", "Successfully updated local config context", l.objectName);
    }
    for (const type of ["dcim.device", "virtualization.virtualmachine"]) {
      for (const r of this.#ofType(type)) {
        if (r.fields.local_config_context_data_owner_object_id !== repo.id || kept.has(r.id)) continue;
        Object.assign(r.fields, {
          local_config_context_data: null,
          local_config_context_data_owner_content_type: null,
          local_config_context_data_owner_object_id: null,
        });
        log("warning", "local config contexts", "Deleted local config context", String(r.fields.name));
      }
    }
  }
}

function groupingOf(file: string): string {
  if (file.startsWith("config_context_schemas/")) return "config context schemas";
  if (/^config_contexts\/(devices|virtual_machines)\//.test(file)) return "local config contexts";
  return "config contexts";
}

function sortFor(type: string, items: Rec[]): Rec[] {
  const byName = (a: Rec, b: Rec) => String(a.fields.name ?? a.display).localeCompare(String(b.fields.name ?? b.display), "en", { numeric: true });
  if (type === "extras.configcontext") {
    return items.sort((a, b) => Number(a.fields.weight) - Number(b.fields.weight) || byName(a, b));
  }
  if (type === "extras.jobresult") return items.sort((a, b) => String(b.fields.date_created).localeCompare(String(a.fields.date_created)));
  if (type === "extras.joblogentry" || type === "extras.journalentry" || type === "ipam.service") return items;
  return items.sort(byName);
}

/** The API version asked for in `Accept: application/json; version=X` or `?api_version=X`. */
function versionOf(req: FakeRequest): string | undefined {
  const fromQuery = req.query.get("api_version");
  if (fromQuery) return fromQuery;
  const m = /version=([^;,\s]+)/.exec(String(req.headers.accept ?? ""));
  return m?.[1];
}

/** Django's build_absolute_uri: the Host the client used. */
function originOf(req: FakeRequest): string {
  return `http://${req.headers.host ?? "127.0.0.1"}`;
}

function depthOf(req: FakeRequest): number {
  const d = Number(req.query.get("depth") ?? 0);
  return Number.isInteger(d) && d >= 0 ? Math.min(d, 10) : 0;
}

function intParam(raw: string | null, fallback: number, map: (n: number) => number): number {
  if (raw === null || !/^\d+$/.test(raw)) return fallback;
  return map(Number(raw));
}

/** Runs the git CLI without prompts; resolves with trimmed stdout, rejects with git's first stderr line. */
function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // core.askPass=true answers any credential prompt with nothing, so a private remote fails instead of hanging.
    execFile(
      "git",
      ["-c", "core.askPass=true", ...args],
      { cwd, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const line = stderr.split("\n").find((l) => l.trim()) ?? err.message;
        reject(new Error(line.trim()));
      },
    );
  });
}
