import { parse } from "yaml";

/** What a commit range did to app_list. `changed` names the top-level keys of each entry that differ. */
export interface AppListDiff {
  added: string[];
  removed: string[];
  changed: { app: string; fields: string[] }[];
  /** Set when a side could not be read as app_list (the message says so; nothing is deployed from it). */
  problem?: string | undefined;
}

const APP_NAME = /^[a-z0-9][a-z0-9_-]*$/;
type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v);

/** The `app_list` mapping of a config context file's text (undefined text: an absent file, no apps). */
export function appListOf(text: string | undefined, key = "app_list"): Record<string, Dict> {
  if (text === undefined) return {};
  // As Nautobot reads it (PyYAML safe_load: YAML 1.1, duplicate keys allowed, last wins).
  const parsed: unknown = parse(text, { version: "1.1", uniqueKeys: false, merge: true });
  const ctx = Array.isArray(parsed) ? parsed.find((e) => isDict(e) && isDict(e[key])) : parsed;
  if (!isDict(ctx)) throw new Error("the file is not a config context");
  const list = ctx[key];
  if (list === undefined || list === null) return {};
  if (!isDict(list)) throw new Error(`\`${key}\` is not a mapping`);
  const out: Record<string, Dict> = {};
  for (const [name, entry] of Object.entries(list)) out[name] = isDict(entry) ? entry : { value: entry };
  return out;
}

/**
 * Compares app_list between two revisions of the file. Only names that /deploy accepts are reported as
 * deployable; another name lands in `problem`, since the playbook would refuse it.
 */
export function diffAppList(before: string | undefined, after: string | undefined, key = "app_list"): AppListDiff {
  let a: Record<string, Dict>;
  let b: Record<string, Dict>;
  try {
    a = appListOf(before, key);
  } catch {
    a = {};
  }
  try {
    b = appListOf(after, key);
  } catch (err) {
    return { added: [], removed: [], changed: [], problem: `the new app_list cannot be read: ${(err as Error).message.split("\n")[0]}` };
  }
  const added = Object.keys(b).filter((n) => !(n in a)).sort();
  const removed = Object.keys(a).filter((n) => !(n in b)).sort();
  const changed = Object.keys(b).filter((n) => n in a).sort().flatMap((app) => {
    const keys = [...new Set([...Object.keys(a[app]!), ...Object.keys(b[app]!)])].sort();
    const fields = keys.filter((k) => stable(a[app]![k]) !== stable(b[app]![k]));
    return fields.length ? [{ app, fields }] : [];
  });
  const bad = [...added, ...changed.map((c) => c.app)].filter((n) => !APP_NAME.test(n));
  const diff: AppListDiff = { added: added.filter((n) => APP_NAME.test(n)), removed, changed: changed.filter((c) => APP_NAME.test(c.app)) };
  if (bad.length) diff.problem = `not deployable (bad app name): ${bad.map((n) => JSON.stringify(n).slice(0, 40)).join(", ")}`;
  return diff;
}

function stable(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stable).join(",")}]`;
  if (isDict(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${stable(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "undefined";
}
