import { isMap, isScalar, isSeq, parseDocument, Scalar, type Document, type YAMLMap } from "yaml";
import type { AppEntry } from "../clients/nautobot-schemas.ts";

/** Options that reproduce config_contexts/app_list.yml byte for byte when nothing changed. */
const TO_STRING = { lineWidth: 0, flowCollectionPadding: false } as const;

function load(text: string): Document {
  const doc = parseDocument(text);
  if (doc.errors.length) throw new Error(`app_list file is not valid YAML: ${doc.errors[0]!.message.split("\n")[0]}`);
  if (!isMap(doc.getIn(["app_list"], true))) throw new Error("app_list file has no `app_list` mapping");
  return doc;
}

/** The app names in the file, in file order. */
export function appNamesInYaml(text: string): string[] {
  const list = load(text).getIn(["app_list"], true) as YAMLMap;
  return list.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key));
}

/**
 * Adds one app at the end of `app_list`, in the file's own style: block mapping per app, flow `[...]` and
 * `{...}` for its lists and maps, double-quoted strings inside them. Comments and all other entries stay as they are.
 */
export function addAppToYaml(text: string, name: string, entry: AppEntry): string {
  const doc = load(text);
  if (doc.hasIn(["app_list", name])) throw new Error(`app \`${name}\` is already in the file`);
  doc.setIn(["app_list", name], styledNode(doc, entry));
  return doc.toString(TO_STRING);
}

/**
 * Changes one app's entry in place: the values that differ are replaced in the file's style (as
 * addAppToYaml writes them), keys the entry no longer has are dropped, new ones go last. Comments, the
 * unchanged values and every other entry stay as they are.
 */
export function setAppInYaml(text: string, name: string, entry: AppEntry): string {
  const doc = load(text);
  const node = doc.getIn(["app_list", name], true);
  if (!isMap(node)) throw new Error(`app \`${name}\` is not in the file`);
  const wanted = entry as Record<string, unknown>;
  for (const pair of [...node.items]) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (wanted[key] === undefined) node.delete(key);
  }
  for (const pair of styledNode(doc, entry).items) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    const now = node.get(key, true) as { toJSON?: () => unknown } | undefined;
    const same = now !== undefined && JSON.stringify(typeof now.toJSON === "function" ? now.toJSON() : now) === JSON.stringify(wanted[key]);
    if (!same) node.set(key, pair.value);
  }
  return doc.toString(TO_STRING);
}

function styledNode(doc: Document, entry: AppEntry): YAMLMap {
  const node = doc.createNode(entry) as YAMLMap;
  for (const pair of node.items) {
    const v = pair.value;
    if (!isSeq(v) && !isMap(v)) continue;
    v.flow = true;
    const items: unknown[] = isSeq(v) ? v.items : v.items.map((p) => p.value);
    for (const s of items) if (isScalar(s) && typeof s.value === "string" && /[:\s#]/.test(s.value)) s.type = Scalar.QUOTE_DOUBLE;
    if (isMap(v)) for (const p of v.items) if (isScalar(p.value) && typeof p.value.value === "string") p.value.type = Scalar.QUOTE_DOUBLE;
  }
  return node;
}

/** Removes one app; the rest of the file (comments included) is untouched. */
export function removeAppFromYaml(text: string, name: string): string {
  const doc = load(text);
  if (!doc.hasIn(["app_list", name])) throw new Error(`app \`${name}\` is not in the file`);
  doc.deleteIn(["app_list", name]);
  return doc.toString(TO_STRING);
}
