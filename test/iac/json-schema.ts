/**
 * A small JSON Schema validator for the subset our config_context_schemas use:
 * type, properties, required, additionalProperties, patternProperties, items, pattern,
 * enum, minimum, maximum, minLength. Anything else in a schema is reported as unsupported,
 * so a schema can't silently rely on a keyword this validator ignores.
 */
export type JsonSchema = {
  type?: string | string[] | undefined;
  properties?: Record<string, JsonSchema> | undefined;
  required?: string[] | undefined;
  additionalProperties?: boolean | JsonSchema | undefined;
  patternProperties?: Record<string, JsonSchema> | undefined;
  items?: JsonSchema | undefined;
  pattern?: string | undefined;
  enum?: unknown[] | undefined;
  minimum?: number | undefined;
  maximum?: number | undefined;
  minLength?: number | undefined;
  [annotation: string]: unknown;
};

/** Keywords the validator applies, and annotations it may ignore. */
const APPLIED = new Set(["type", "properties", "required", "additionalProperties", "patternProperties", "items", "pattern", "enum", "minimum", "maximum", "minLength"]);
const ANNOTATIONS = new Set(["title", "description", "$schema", "$id", "default", "examples"]);

/** Lists keywords of `schema` (recursively) that this validator does not implement. */
export function unsupportedKeywords(schema: JsonSchema, path = "#"): string[] {
  const out: string[] = [];
  for (const [key, value] of Object.entries(schema)) {
    if (!APPLIED.has(key) && !ANNOTATIONS.has(key)) out.push(`${path}/${key}`);
  }
  for (const [name, sub] of Object.entries(schema.properties ?? {})) out.push(...unsupportedKeywords(sub, `${path}/properties/${name}`));
  for (const [re, sub] of Object.entries(schema.patternProperties ?? {})) out.push(...unsupportedKeywords(sub, `${path}/patternProperties/${re}`));
  if (typeof schema.additionalProperties === "object") out.push(...unsupportedKeywords(schema.additionalProperties, `${path}/additionalProperties`));
  if (schema.items) out.push(...unsupportedKeywords(schema.items, `${path}/items`));
  return out;
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function typeMatches(expected: string, actual: string): boolean {
  return expected === actual || (expected === "number" && actual === "integer");
}

/** Validates `value` against `schema`; returns error strings of the form `<json pointer>: <reason>` (empty = valid). */
export function validate(schema: JsonSchema, value: unknown, path = ""): string[] {
  const at = path || "/";
  const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const actual = typeOf(value);
  if (types.length > 0 && !types.some((t) => typeMatches(t, actual))) return [`${at}: expected ${types.join("|")}, got ${actual}`];
  const errors: string[] = [];
  if (schema.enum && !schema.enum.some((e) => e === value)) errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === "string") errors.push(...validateString(schema, value, at));
  if (typeof value === "number") {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: ${value} is less than ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: ${value} is greater than ${schema.maximum}`);
  }
  if (Array.isArray(value) && schema.items) {
    const items = schema.items;
    value.forEach((item, i) => errors.push(...validate(items, item, `${path}/${i}`)));
  }
  if (actual === "object") errors.push(...validateObject(schema, value as Record<string, unknown>, path));
  return errors;
}

function validateString(schema: JsonSchema, value: string, at: string): string[] {
  const errors: string[] = [];
  if (schema.minLength !== undefined && value.length < schema.minLength) errors.push(`${at}: shorter than ${schema.minLength}`);
  // JSON Schema patterns are unanchored ECMA-262 regexes, which is what RegExp gives us.
  if (schema.pattern !== undefined && !new RegExp(schema.pattern, "u").test(value)) errors.push(`${at}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  return errors;
}

function validateObject(schema: JsonSchema, obj: Record<string, unknown>, path: string): string[] {
  const errors: string[] = [];
  for (const key of schema.required ?? []) {
    if (!(key in obj)) errors.push(`${path || "/"}: missing required property ${JSON.stringify(key)}`);
  }
  const patterns = Object.entries(schema.patternProperties ?? {}).map(([re, sub]) => [new RegExp(re, "u"), sub] as const);
  for (const [key, child] of Object.entries(obj)) {
    const childPath = `${path}/${key.replace(/~/g, "~0").replace(/\//g, "~1")}`;
    let matched = false;
    const declared = schema.properties?.[key];
    if (declared) {
      matched = true;
      errors.push(...validate(declared, child, childPath));
    }
    for (const [re, sub] of patterns) {
      if (!re.test(key)) continue;
      matched = true;
      errors.push(...validate(sub, child, childPath));
    }
    if (matched) continue;
    if (schema.additionalProperties === false) errors.push(`${childPath}: additional property not allowed`);
    else if (typeof schema.additionalProperties === "object") errors.push(...validate(schema.additionalProperties, child, childPath));
  }
  return errors;
}
