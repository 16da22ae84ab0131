/**
 * Reads a Nautobot Git data-source tree (config_contexts/, config_context_schemas/) the way
 * nautobot/extras/datasources/git.py does: YAML or JSON files, explicit contexts at the top of
 * config_contexts/ (a dict or a list of dicts with _metadata), implicit ones in filter folders,
 * local contexts in devices/ and virtual_machines/ (data as-is).
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { extname, join, basename } from "node:path";
import { parse } from "yaml";
import type { JsonSchema } from "./json-schema.ts";

/** Filter folders Nautobot 2.x scopes an implicit context by (the file name is the object name). */
export const FILTER_FOLDERS = ["locations", "device_types", "roles", "platforms", "cluster_groups", "clusters", "tenant_groups", "tenants", "tags", "dynamic_groups", "device_redundancy_groups"] as const;
export const LOCAL_FOLDERS = ["devices", "virtual_machines"] as const;

export interface LoadedContext {
  file: string;
  kind: "explicit" | "implicit" | "local";
  /** Filter folder or local folder, and the object name taken from the file name. */
  scope?: { folder: string; object: string } | undefined;
  metadata: Record<string, unknown> | undefined;
  data: Record<string, unknown>;
}

export interface LoadedSchema {
  file: string;
  name: string;
  schema: JsonSchema;
}

const DATA_EXT = new Set([".yml", ".yaml", ".json"]);

function readData(file: string): unknown {
  return parse(readFileSync(file, "utf8"));
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function splitContext(file: string, raw: unknown, kind: LoadedContext["kind"], scope?: LoadedContext["scope"]): LoadedContext {
  if (!isRecord(raw)) throw new Error(`${file}: a config context must be a mapping`);
  const { _metadata, ...data } = raw;
  if (kind === "local") return { file, kind, scope, metadata: undefined, data: raw };
  if (!isRecord(_metadata) || typeof _metadata.name !== "string" || _metadata.name === "") {
    throw new Error(`${file}: _metadata.name is required`);
  }
  return { file, kind, scope, metadata: _metadata, data };
}

function dataFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((f) => statSync(join(dir, f)).isFile() && DATA_EXT.has(extname(f)))
    .sort()
    .map((f) => join(dir, f));
}

/** Loads every context under `<root>/config_contexts`; throws on a file Nautobot would reject. */
export function loadContexts(root: string): LoadedContext[] {
  const dir = join(root, "config_contexts");
  const out: LoadedContext[] = [];
  for (const file of dataFiles(dir)) {
    const raw = readData(file);
    for (const entry of Array.isArray(raw) ? raw : [raw]) out.push(splitContext(file, entry, "explicit"));
  }
  for (const sub of readdirSync(dir).filter((f) => statSync(join(dir, f)).isDirectory())) {
    const known = (FILTER_FOLDERS as readonly string[]).includes(sub) || (LOCAL_FOLDERS as readonly string[]).includes(sub);
    if (!known) throw new Error(`config_contexts/${sub}/ is not a folder Nautobot reads`);
    const kind = (LOCAL_FOLDERS as readonly string[]).includes(sub) ? "local" : "implicit";
    for (const file of dataFiles(join(dir, sub))) {
      out.push(splitContext(file, readData(file), kind, { folder: sub, object: basename(file, extname(file)) }));
    }
  }
  return out;
}

/** Loads every `<root>/config_context_schemas/*` file: `{_metadata: {name, description}, data_schema}`. */
export function loadSchemas(root: string): LoadedSchema[] {
  const dir = join(root, "config_context_schemas");
  if (!existsSync(dir)) return [];
  return dataFiles(dir).map((file) => {
    const raw = readData(file);
    if (!isRecord(raw) || !isRecord(raw._metadata) || typeof raw._metadata.name !== "string") throw new Error(`${file}: _metadata.name is required`);
    if (!isRecord(raw.data_schema)) throw new Error(`${file}: data_schema must be a mapping`);
    return { file, name: raw._metadata.name, schema: raw.data_schema as JsonSchema };
  });
}
