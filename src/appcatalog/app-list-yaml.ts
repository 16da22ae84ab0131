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
  const node = doc.createNode(entry) as YAMLMap;
  for (const pair of node.items) {
    const v = pair.value;
    if (!isSeq(v) && !isMap(v)) continue;
    v.flow = true;
    const items: unknown[] = isSeq(v) ? v.items : v.items.map((p) => p.value);
    for (const s of items) if (isScalar(s) && typeof s.value === "string" && /[:\s#]/.test(s.value)) s.type = Scalar.QUOTE_DOUBLE;
    if (isMap(v)) for (const p of v.items) if (isScalar(p.value) && typeof p.value.value === "string") p.value.type = Scalar.QUOTE_DOUBLE;
  }
  doc.setIn(["app_list", name], node);
  return doc.toString(TO_STRING);
}

/** Removes one app; the rest of the file (comments included) is untouched. */
export function removeAppFromYaml(text: string, name: string): string {
  const doc = load(text);
  if (!doc.hasIn(["app_list", name])) throw new Error(`app \`${name}\` is not in the file`);
  doc.deleteIn(["app_list", name]);
  return doc.toString(TO_STRING);
}
