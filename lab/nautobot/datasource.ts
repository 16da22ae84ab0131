import { basename } from "node:path";
import { CONTEXT_FILTERS, type ContextFilter, type LoadedContext, type LoadedDatasource } from "./git-datasource.ts";
import { addRec, FILTER_MODELS, findRec, Link, NOTES, nowIso, pyRepr, recsOfType, SERIALIZED_FILTERS, type Dict, type LogFn, type Rec, type RecStore } from "./model.ts";

/** The state applyDatasource needs: the store and the Git repository record that owns what it loads. */
export interface DatasourceTarget extends RecStore {
  readonly repo: Rec;
}

/** update_git_config_contexts() and friends: upsert what the repository defines, delete what it no longer does. */
export function applyDatasource(st: DatasourceTarget, ds: LoadedDatasource, log: LogFn): void {
  const repo = st.repo;
  const owned = (type: string) => recsOfType(st, type).filter((r) => r.fields.owner_object_id === repo.id);
  const owner = { owner_content_type: "extras.gitrepository", owner_object_id: repo.id, owner: new Link(repo.id) };
  const keptSchemas = new Set<string>();
  for (const s of ds.schemas) {
    log("info", "config context schemas", `Loading config context schema from \`${basename(s.file)}\``);
    const existing = owned("extras.configcontextschema").find((r) => r.fields.name === s.name);
    const fields = { name: s.name, description: s.description, data_schema: s.dataSchema, ...owner };
    const same = existing && JSON.stringify([existing.fields.description, existing.fields.data_schema]) === JSON.stringify([s.description, s.dataSchema]);
    if (existing && !same) Object.assign(existing.fields, fields, { last_updated: nowIso() });
    if (!existing) addRec(st, "extras.configcontextschema", `${repo.id}:${s.name}`, s.name, { ...fields, created: nowIso(), last_updated: nowIso(), notes_url: NOTES });
    const verb = !existing ? "Successfully created" : same ? "No change to" : "Successfully refreshed";
    log("info", "config context schemas", `${verb} config context schema`, s.name);
    keptSchemas.add(s.name);
  }
  for (const r of owned("extras.configcontextschema")) {
    if (keptSchemas.has(String(r.fields.name))) continue;
    st.recs.delete(r.id);
    log("warning", "config context schemas", `Deleted config context schema ${String(r.fields.name)}`);
  }
  for (const e of ds.errors) log("error", groupingOf(e.file), e.message);
  for (const w of ds.warnings) log("warning", "config contexts", w.message);

  const kept = new Set<string>();
  for (const c of ds.contexts) {
    log("info", "config contexts", `Loading config context from \`${c.file.replace(/^config_contexts\//, "")}\``);
    const scope = resolveScope(st, c);
    if (typeof scope === "string") {
      log("error", "config contexts", `Error in loading config context data from \`${basename(c.file)}\`: ${scope}`);
      continue;
    }
    kept.add(c.name);
    upsertContext(st, c, scope, owner, log);
  }
  for (const r of owned("extras.configcontext")) {
    if (kept.has(String(r.fields.name))) continue;
    st.recs.delete(r.id);
    log("warning", "config contexts", `Deleted config context ${String(r.fields.name)}`);
  }
  applyLocals(st, ds, log);
}

function resolveScope(st: RecStore, c: LoadedContext): Record<ContextFilter, Link[]> | string {
  const out = {} as Record<ContextFilter, Link[]>;
  for (const filter of CONTEXT_FILTERS) {
    const [type, model] = FILTER_MODELS[filter];
    out[filter] = [];
    for (const lookup of c.scope[filter] ?? []) {
      const hits = recsOfType(st, type).filter((r) => Object.entries(lookup).every(([k, v]) => r.fields[k] === v));
      if (hits.length !== 1) {
        const what = hits.length === 0 ? `No matching ${model}` : `Multiple ${model}`;
        return `${what} found for ${pyRepr(lookup)}; unable to create/update context ${c.name}`;
      }
      out[filter].push(new Link(hits[0]!.id));
    }
  }
  return out;
}

function upsertContext(st: RecStore, c: LoadedContext, scope: Record<ContextFilter, Link[]>, owner: Dict, log: LogFn): void {
  const schema = c.configContextSchema === null ? undefined : findRec(st, "extras.configcontextschema", c.configContextSchema);
  if (c.configContextSchema !== null && !schema) {
    log("error", "config contexts", `ConfigContextSchema ${c.configContextSchema} does not exist.`, c.name);
  }
  const fields: Dict = {
    name: c.name, weight: c.weight, description: c.description, is_active: c.isActive, data: c.data,
    config_context_schema: schema ? new Link(schema.id) : null, ...owner,
  };
  for (const f of SERIALIZED_FILTERS) fields[f] = scope[f];
  const existing = recsOfType(st, "extras.configcontext").find((r) => r.fields.name === c.name && r.fields.owner_object_id === owner.owner_object_id);
  const comparable = (d: Dict) => JSON.stringify(d, (_k, v: unknown) => (v instanceof Link ? v.id : v));
  if (!existing) {
    const now = nowIso();
    addRec(st, "extras.configcontext", `${String(owner.owner_object_id)}:${c.name}`, c.name, { ...fields, created: now, last_updated: now, notes_url: NOTES });
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

function applyLocals(st: DatasourceTarget, ds: LoadedDatasource, log: LogFn): void {
  const repo = st.repo;
  const kept = new Set<string>();
  for (const l of ds.locals) {
    const type = l.type === "devices" ? "dcim.device" : "virtualization.virtualmachine";
    log("info", "local config contexts", `Loading local config context for \`${l.objectName}\` from \`${l.type}/${basename(l.file)}\``);
    const hits = recsOfType(st, type).filter((r) => r.fields.name === l.objectName);
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
    for (const r of recsOfType(st, type)) {
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

function groupingOf(file: string): string {
  if (file.startsWith("config_context_schemas/")) return "config context schemas";
  if (/^config_contexts\/(devices|virtual_machines)\//.test(file)) return "local config contexts";
  return "config contexts";
}
