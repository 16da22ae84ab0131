import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join } from "node:path";
import { parse } from "yaml";

/**
 * Reads a Nautobot Git data source (the `config_contexts/` and `config_context_schemas/` layout) the way
 * nautobot/extras/datasources/git.py (v2.4.36) does: every file is parsed as YAML (JSON is a subset), a bad
 * file is reported and skipped while the others still load, `_metadata.name` is required, and every key
 * other than `_metadata` becomes the context's data. Scope lookups are returned as written; resolving
 * them against real objects is the caller's job (Nautobot raises for no match or several matches).
 */

/** Scope filters a context can carry in `_metadata`, in the order Nautobot resolves them. */
export const CONTEXT_FILTERS = [
  "locations",
  "device_types",
  "roles",
  "platforms",
  "cluster_groups",
  "clusters",
  "tenant_groups",
  "tenants",
  "tags",
  "dynamic_groups",
  "device_redundancy_groups",
] as const;
export type ContextFilter = (typeof CONTEXT_FILTERS)[number];

/** A config context as the repository defines it. */
export interface LoadedContext {
  name: string;
  /** Merge order: lower weights first, higher weights win (default 1000). */
  weight: number;
  description: string;
  isActive: boolean;
  /** Name of the config context schema it declares, or null. */
  configContextSchema: string | null;
  /** Lookup dicts per filter, e.g. `roles: [{name: "docker-host"}]`; implicit folders add their own. */
  scope: Partial<Record<ContextFilter, Record<string, unknown>[]>>;
  data: Record<string, unknown>;
  /** Path relative to the repository root. */
  file: string;
}

/** Local context data of one device or VM (`config_contexts/devices/<name>.*`, `virtual_machines/<name>.*`). */
export interface LoadedLocalContext {
  type: "devices" | "virtual_machines";
  objectName: string;
  data: Record<string, unknown>;
  file: string;
}

export interface LoadedSchema {
  name: string;
  description: string;
  dataSchema: Record<string, unknown>;
  file: string;
}

export interface DatasourceProblem {
  file: string;
  message: string;
}

export interface LoadedDatasource {
  contexts: LoadedContext[];
  locals: LoadedLocalContext[];
  schemas: LoadedSchema[];
  /** One entry per file (or list entry) Nautobot would log at level "error"; other files still load. */
  errors: DatasourceProblem[];
  /** What Nautobot logs at level "warning" (deprecated `schema` key, filter folders at the repo root). */
  warnings: DatasourceProblem[];
}

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses like PyYAML's safe_load: YAML 1.1 scalars (`yes`/`no` are booleans), duplicate keys allowed (last wins). */
export function parseDatasourceFile(text: string): unknown {
  return parse(text, { version: "1.1", uniqueKeys: false, merge: true });
}

/** Loads every config context, local context and schema below `dir` (a checkout's root). Never throws for bad files. */
export function loadGitDatasource(dir: string): LoadedDatasource {
  const out: LoadedDatasource = { contexts: [], locals: [], schemas: [], errors: [], warnings: [] };
  loadSchemas(dir, out);
  const root = join(dir, "config_contexts");
  if (!isDir(root)) return out;

  for (const file of sortedFiles(root)) {
    const rel = `config_contexts/${file}`;
    try {
      const parsed = parseDatasourceFile(readFileSync(join(root, file), "utf8"));
      if (!isDict(parsed) && !Array.isArray(parsed)) throw new Error("data must be a dict or list of dicts");
      // A failing entry aborts the rest of its file; earlier entries stay imported, as in Nautobot.
      for (const entry of Array.isArray(parsed) ? parsed : [parsed]) out.contexts.push(toContext(entry, rel, out));
    } catch (err) {
      out.errors.push({ file: rel, message: `Error in loading config context data from \`${file}\`: ${messageOf(err)}` });
    }
  }

  for (const filter of CONTEXT_FILTERS) {
    if (isDir(join(dir, filter))) out.warnings.push({ file: filter, message: rootFolderWarning(filter) });
    const folder = join(root, filter);
    if (!isDir(folder)) continue;
    for (const file of sortedEntries(folder)) {
      const rel = `config_contexts/${filter}/${file}`;
      const objectName = stem(file);
      try {
        const parsed = parseDatasourceFile(readFileSync(join(folder, file), "utf8"));
        if (!isDict(parsed)) throw new Error("data must be a dict");
        const meta = isDict(parsed._metadata) ? parsed._metadata : {};
        const lookups = Array.isArray(meta[filter]) ? (meta[filter] as unknown[]) : [];
        const implied = filter === "device_types" ? { model: objectName } : { name: objectName };
        out.contexts.push(toContext({ ...parsed, _metadata: { ...meta, [filter]: [...lookups, implied] } }, rel, out));
      } catch (err) {
        out.errors.push({ file: rel, message: `Error in loading config context data from \`${file}\`: ${messageOf(err)}` });
      }
    }
  }

  for (const type of ["devices", "virtual_machines"] as const) {
    if (isDir(join(dir, type))) out.warnings.push({ file: type, message: rootFolderWarning(type) });
    const folder = join(root, type);
    if (!isDir(folder)) continue;
    for (const file of sortedEntries(folder)) {
      const rel = `config_contexts/${type}/${file}`;
      try {
        const parsed = parseDatasourceFile(readFileSync(join(folder, file), "utf8"));
        if (!isDict(parsed)) throw new Error("JSON data must be in object form");
        out.locals.push({ type, objectName: stem(file), data: parsed, file: rel });
      } catch (err) {
        out.errors.push({
          file: rel,
          message: `Error in loading local config context from \`${type}/${file}\`: ${messageOf(err)}`,
        });
      }
    }
  }
  return out;
}

function toContext(entry: unknown, file: string, out: LoadedDatasource): LoadedContext {
  if (!isDict(entry) || !isDict(entry._metadata)) throw new Error("data is missing the required `_metadata` key.");
  const meta = { ...entry._metadata };
  if (typeof meta.name !== "string" || meta.name === "") {
    throw new Error("data `_metadata` is missing the required `name` key.");
  }
  if ("schema" in meta && !("config_context_schema" in meta)) {
    out.warnings.push({ file, message: "`schema` is deprecated in `_metadata`, please use `config_context_schema` instead." });
    meta.config_context_schema = meta.schema;
  }
  const weight = meta.weight ?? 1000;
  if (typeof weight !== "number" || !Number.isInteger(weight) || weight < 0 || weight > 32767) {
    throw new Error(`\`weight\` must be an integer from 0 to 32767, not ${JSON.stringify(weight)}`);
  }
  const scope: LoadedContext["scope"] = {};
  for (const filter of CONTEXT_FILTERS) {
    const lookups = meta[filter];
    if (lookups === undefined || lookups === null) continue;
    if (!Array.isArray(lookups) || !lookups.every(isDict)) throw new Error(`\`${filter}\` must be a list of lookups`);
    scope[filter] = lookups;
  }
  const { _metadata: _ignored, ...data } = entry;
  const schemaName = meta.config_context_schema;
  return {
    name: meta.name,
    weight,
    description: typeof meta.description === "string" ? meta.description : "",
    isActive: meta.is_active === undefined ? true : Boolean(meta.is_active),
    configContextSchema: typeof schemaName === "string" && schemaName !== "" ? schemaName : null,
    scope,
    data,
    file,
  };
}

function loadSchemas(dir: string, out: LoadedDatasource): void {
  const root = join(dir, "config_context_schemas");
  if (!isDir(root)) return;
  for (const file of sortedFiles(root)) {
    const rel = `config_context_schemas/${file}`;
    try {
      const parsed = parseDatasourceFile(readFileSync(join(root, file), "utf8"));
      if (!isDict(parsed) && !Array.isArray(parsed)) throw new Error("data must be a dict or a list of dicts");
      for (const entry of Array.isArray(parsed) ? parsed : [parsed]) {
        if (!isDict(entry)) throw new Error("each item in list data must be a dict");
        out.schemas.push(toSchema(entry, rel));
      }
    } catch (err) {
      out.errors.push({
        file: rel,
        message: `Error in loading config context schema data from \`${file}\`: ${messageOf(err)}`,
      });
    }
  }
}

function toSchema(entry: Dict, file: string): LoadedSchema {
  const meta = entry._metadata;
  if (!isDict(meta)) throw new Error("data is missing the required `_metadata` key.");
  if (typeof meta.name !== "string" || meta.name === "") {
    throw new Error("data `_metadata` is missing the required `name` key.");
  }
  if (!isDict(entry.data_schema)) throw new Error("data is missing the required `data_schema` key.");
  const description = typeof meta.description === "string" ? meta.description : "";
  return { name: meta.name, description, dataSchema: entry.data_schema, file };
}

const rootFolderWarning = (folder: string) =>
  `Found "${folder}" directory in the repository root. If this is meant to contain config contexts, ` +
  "it should be moved into a `config_contexts/` subdirectory.";

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/** Plain files only (the flat case skips folders); sorted so results do not depend on the file system. */
function sortedFiles(dir: string): string[] {
  return sortedEntries(dir).filter((f) => statSync(join(dir, f)).isFile());
}

/** Every entry, as Nautobot's os.listdir: a stray folder inside a filter folder is an error for that entry. */
function sortedEntries(dir: string): string[] {
  return readdirSync(dir).sort();
}

function stem(file: string): string {
  const ext = extname(file);
  return ext ? file.slice(0, -ext.length) : file;
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message.split("\n")[0] ?? err.message;
  return String(err);
}
