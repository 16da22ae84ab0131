import { CONTEXT_FILTERS, type ContextFilter } from "./git-datasource.ts";
import { COLLECTIONS, deepMerge, isDict, Link, linkId, links, NOTES, recsOfType, type Dict, type Rec, type RecStore } from "./model.ts";

/** A linked record: `{id, object_type, url}` at depth 0, the nested object at depth >= 1. */
export function refJson(st: RecStore, id: string, origin: string, depth: number): unknown {
  const rec = st.recs.get(id);
  if (!rec) return null;
  if (depth > 0) return recJson(st, rec, depth - 1, origin);
  return { id, object_type: rec.type, url: urlOf(rec, origin) };
}

/** The absolute URL of a record. */
export function urlOf(rec: Rec, origin: string): string {
  return `${origin}/api/${COLLECTIONS[rec.type] ?? "extras/unknown"}/${rec.id}/`;
}

/** A record as the REST API serializes it at `depth`. */
export function recJson(st: RecStore, rec: Rec, depth: number, origin: string): Dict {
  const url = urlOf(rec, origin);
  const slug = rec.natural.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-|-$/g, "");
  const out: Dict = { id: rec.id, object_type: rec.type, display: rec.display, url, natural_slug: `${slug}_${rec.id.slice(0, 4)}` };
  for (const [k, v] of Object.entries(rec.fields)) {
    if (v === NOTES) out[k] = `${url}notes/`;
    else if (v instanceof Link) out[k] = refJson(st, v.id, origin, depth);
    else if (Array.isArray(v) && v.some((x) => x instanceof Link)) out[k] = links(v).map((id) => refJson(st, id, origin, depth));
    else out[k] = v;
  }
  return out;
}

/** A record, with the rendered `config_context` of a device or VM when `include` asks for it. */
export function hostJson(st: RecStore, rec: Rec, depth: number, origin: string, include: boolean): Dict {
  const out = recJson(st, rec, depth, origin);
  if (include && (rec.type === "dcim.device" || rec.type === "virtualization.virtualmachine")) {
    out.config_context = renderContext(st, rec);
  }
  return out;
}

/** Nautobot's get_config_context(): active matching contexts by weight then name, deep-merged, then local data. */
export function renderContext(st: RecStore, host: Rec): Dict {
  const f = host.fields;
  const cluster = st.recs.get(linkId(f.cluster) ?? "");
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
  const contexts = recsOfType(st, "extras.configcontext")
    .filter(applies)
    .sort((a, b) => Number(a.fields.weight) - Number(b.fields.weight) || String(a.fields.name).localeCompare(String(b.fields.name)));
  let merged: Dict = {};
  for (const c of contexts) merged = deepMerge(merged, c.fields.data as Dict);
  if (isDict(f.local_config_context_data)) merged = deepMerge(merged, f.local_config_context_data);
  return merged;
}
