import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { CONTEXT_FILTERS, type ContextFilter } from "./git-datasource.ts";

/** The fake Nautobot's record model: records, links between them, object types, filters and small helpers. */

/** A reference to another record; serialized as `{id, object_type, url}` at depth 0, the object at depth >= 1. */
export class Link {
  constructor(readonly id: string) {}
}
export const NOTES = Symbol("notes_url");

export interface Rec {
  id: string;
  type: string;
  display: string;
  natural: string;
  fields: Record<string, unknown>;
}

export type Dict = Record<string, unknown>;
export type LogFn = (level: string, grouping: string, message: string, obj?: string) => void;

/** object_type -> REST collection below /api/. */
export const COLLECTIONS: Record<string, string> = {
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
export const FILTERS: Record<string, string[]> = {
  "dcim.device": ["role", "status", "location", "platform", "device_type", "cluster", "tags"],
  "virtualization.virtualmachine": ["role", "status", "cluster", "platform", "tags"],
  "ipam.service": ["device", "virtual_machine", "protocol"],
  "extras.configcontext": ["owner_object_id", "owner_content_type", "is_active"],
  "extras.configcontextschema": ["owner_object_id"],
  "extras.status": ["content_types"],
  "extras.role": ["content_types"],
  "extras.jobresult": ["status", "job_model", "date_created__gte", "date_created__lte"],
  "extras.joblogentry": ["job_result", "log_level", "grouping"],
  "extras.journalentry": ["assigned_object_type", "assigned_object_id", "kind"],
  "ipam.ipaddress": ["address", "host"],
};
export const RESERVED_PARAMS = new Set(["limit", "offset", "depth", "include", "api_version", "format", "exclude_m2m", "sort"]);

/** Which record type a context filter resolves against, and the model name Nautobot puts in its error. */
export const FILTER_MODELS: Record<ContextFilter, [string, string]> = {
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
export const SERIALIZED_FILTERS = CONTEXT_FILTERS.filter((f) => f !== "dynamic_groups");

/** Nautobot's REST_FRAMEWORK_ALLOWED_VERSIONS: every minor of the running major, up to the running minor. */
export function apiVersions(release: string): string[] {
  const [major, minor] = release.split(".").map(Number) as [number, number];
  return Array.from({ length: minor + 1 }, (_, i) => `${major}.${i}`);
}
/** Many-to-many fields the fake serializes; Nautobot 3 leaves them out by default except tags, content_types and object_types. */
export const M2M_FIELDS = new Set(["locations", "roles", "device_types", "platforms", "cluster_groups", "clusters", "tenant_groups", "tenants", "device_redundancy_groups", "dynamic_groups", "ip_addresses"]);
export const MAX_PAGE = 1000;
export const SEED_TIME = "2025-01-06T09:00:00.000000Z";
export const JOURNAL_KINDS: Record<string, string> = { info: "Info", success: "Success", warning: "Warning", danger: "Danger" };
export const DEVICE_MODELS: Record<string, string> = {
  hypervisor: "MS-01",
  storage: "TrueNAS Mini X+",
  switch: "CRS326-24G-2S+",
  firewall: "DEC740",
};
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

export const nowIso = () => new Date().toISOString().replace("Z", "000Z");
export const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);
export const linkId = (v: unknown): string | undefined => (v instanceof Link ? v.id : undefined);
export const links = (v: unknown): string[] => (Array.isArray(v) ? v.map(linkId).filter((x): x is string => !!x) : []);

/** A deterministic UUID (v5 layout) so seeded ids survive restarts of the lab. */
export function stableId(type: string, key: string): string {
  const h = createHash("sha1").update(`labops-fake-nautobot:${type}:${key}`).digest("hex");
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function deepMerge(base: Dict, over: Dict): Dict {
  const out: Dict = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const cur = out[k];
    out[k] = isDict(cur) && isDict(v) ? deepMerge(cur, v) : structuredClone(v);
  }
  return out;
}

/** Python's repr of a lookup dict, as it appears in Nautobot's "No matching X found for {...}" message. */
export const pyRepr = (d: Dict) =>
  `{${Object.entries(d).map(([k, v]) => `'${k}': ${typeof v === "string" ? `'${v}'` : JSON.stringify(v)}`).join(", ")}}`;

/** The record store every fake Nautobot module reads and writes. */
export interface RecStore {
  readonly recs: Map<string, Rec>;
}

export function addRec(st: RecStore, type: string, natural: string, display: string, fields: Dict, id = stableId(type, natural)): Rec {
  const rec: Rec = { id, type, display, natural, fields };
  st.recs.set(id, rec);
  return rec;
}

export function recsOfType(st: RecStore, type: string): Rec[] {
  return [...st.recs.values()].filter((r) => r.type === type);
}

export function findRec(st: RecStore, type: string, name: string): Rec | undefined {
  return recsOfType(st, type).find((r) => r.fields.name === name);
}
