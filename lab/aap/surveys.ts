import type { Obj } from "./records.ts";

/**
 * Job template surveys as AWX serves and enforces them (awx/main/models/mixins.py SurveyJobTemplateMixin and
 * the survey_spec view): the spec's shape checked on POST, each answer checked at launch with AWX's messages,
 * defaults filled in, password defaults shown as `$encrypted$`.
 */

export const SURVEY_TYPES = ["text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"] as const;
const ENCRYPTED = "$encrypted$";

/** Python's `%s` of a value, as AWX's messages print it (`['a', 'b']`, `True`, `None`). */
function py(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (Array.isArray(v)) return `[${v.map((x) => (typeof x === "string" ? `'${x}'` : py(x))).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `'${k}': ${typeof x === "string" ? `'${x}'` : py(x)}`).join(", ")}}`;
  return String(v);
}

const set = (v: unknown) => v !== undefined && v !== null && v !== "";
const choicesOf = (q: Obj): unknown[] => (typeof q.choices === "string" ? q.choices.split(/\r?\n/).filter((c) => c.trim() !== "") : Array.isArray(q.choices) ? q.choices : []);

/** POST survey_spec/: the view's checks, in its order; the first problem as `{error}` (400), else undefined. */
export function surveySpecError(spec: unknown): string | undefined {
  if (!spec || typeof spec !== "object" || Array.isArray(spec)) return "Survey spec must be a JSON object.";
  const s = spec as Obj;
  if (!("name" in s)) return "'name' missing from survey spec.";
  if (!("description" in s)) return "'description' missing from survey spec.";
  if (!("spec" in s)) return "'spec' missing from survey spec.";
  if (!Array.isArray(s.spec)) return "'spec' must be a list of items.";
  if (s.spec.length === 0) return "'spec' doesn't contain any items.";
  const seen = new Set<string>();
  for (const [i, q] of (s.spec as unknown[]).entries()) {
    if (!q || typeof q !== "object" || Array.isArray(q)) return `Survey question ${i} is not a json object.`;
    const e = q as Obj;
    if (!("type" in e)) return `'type' missing from survey question ${i}.`;
    if (!("question_name" in e)) return `'question_name' missing from survey question ${i}.`;
    if (!("variable" in e)) return `'variable' missing from survey question ${i}.`;
    if (!("required" in e)) return `'required' missing from survey question ${i}.`;
    if (!(SURVEY_TYPES as readonly unknown[]).includes(e.type)) return `'${String(e.type)}' in survey question ${i} is not one of '${SURVEY_TYPES.join(", ")}' allowed question types.`;
    if (typeof e.required !== "boolean") return `'required' in survey question ${i} expected to be boolean.`;
    if (typeof e.variable !== "string" || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(e.variable)) return `'variable' in survey question ${i} expected to be a valid variable name.`;
    if (seen.has(e.variable)) return `'variable' '${e.variable}' duplicated in survey question ${i}.`;
    seen.add(e.variable);
    if ((e.type === "multiplechoice" || e.type === "multiselect") && choicesOf(e).length === 0) return `Survey question ${i} of type ${e.type} must specify choices.`;
    if (e.type === "integer" && set(e.default) && !Number.isInteger(e.default)) return `Default value ${py(e.default)} in survey question ${i} expected to be int.`;
  }
  return undefined;
}

/** `_survey_element_validation`: the errors of one question for the launch data. */
export function surveyElementErrors(q: Obj, data: Obj, validateRequired = true): string[] {
  const v = String(q.variable);
  const has = Object.hasOwn(data, v);
  const x = data[v];
  if (q.type === "password" && x === ENCRYPTED) return q.default === undefined || q.default === null ? (q.required && validateRequired ? [`'${v}' value missing`] : []) : [];
  if (!has && q.required) return validateRequired ? [`'${v}' value missing`] : [];
  if (!has) return [];
  const errors: string[] = [];
  if (q.type === "text" || q.type === "textarea" || q.type === "password") {
    if (typeof x !== "string") return [`Value ${py(x)} for '${v}' expected to be a string.`];
    if (set(q.min) && x.length < Number.parseInt(String(q.min), 10)) errors.push(`'${v}' value ${x} is too small (length is ${x.length} must be at least ${py(q.min)}).`);
    if (set(q.max) && x.length > Number.parseInt(String(q.max), 10)) errors.push(`'${v}' value ${x} is too large (must be no more than ${py(q.max)}).`);
  } else if (q.type === "integer" || q.type === "float") {
    const ok = typeof x === "number" && (q.type === "float" || Number.isInteger(x));
    if (!ok) return [`Value ${py(x)} for '${v}' expected to be ${q.type === "integer" ? "an integer" : "a numeric type"}.`];
    if (set(q.min) && (x as number) < Number(q.min)) errors.push(`'${v}' value ${py(x)} is too small (must be at least ${py(q.min)}).`);
    if (set(q.max) && (x as number) > Number(q.max)) errors.push(`'${v}' value ${py(x)} is too large (must be no more than ${py(q.max)}).`);
  } else if (q.type === "multiselect") {
    if (!Array.isArray(x)) return [`'${v}' value is expected to be a list.`];
    const choices = choicesOf(q);
    for (const c of x) if (!choices.includes(c)) errors.push(`Value ${py(c)} for '${v}' expected to be one of ${py(choices)}.`);
  } else if (q.type === "multiplechoice") {
    const choices = choicesOf(q);
    if (!choices.includes(x)) errors.push(`Value ${py(x)} for '${v}' expected to be one of ${py(choices)}.`);
  }
  return errors;
}

/**
 * `_accept_or_ignore_variables` and `_update_unified_job_kwargs` for an enabled survey: survey answers are
 * checked and accepted even without ask_variables_on_launch; the rest is left for the prompt check. Defaults
 * that pass their own question fill unanswered ones; a `$encrypted$` password falls back to its default.
 */
export function applySurvey(spec: Obj, given: Obj): { errors: string[]; accepted: Obj; rest: Obj; passwords: string[] } {
  const rest: Obj = { ...given };
  const accepted: Obj = {};
  const errors: string[] = [];
  const passwords: string[] = [];
  for (const q of (spec.spec as Obj[] | undefined) ?? []) {
    const v = String(q.variable);
    const e = surveyElementErrors(q, given);
    if (q.type === "password") passwords.push(v);
    if (e.length) {
      errors.push(...e);
      delete rest[v];
      continue;
    }
    if (Object.hasOwn(rest, v)) {
      if (!(q.type === "password" && rest[v] === ENCRYPTED)) accepted[v] = rest[v];
      delete rest[v];
    }
    if (!Object.hasOwn(accepted, v) && q.default !== undefined && q.default !== null && surveyElementErrors(q, { [v]: q.default }).length === 0) accepted[v] = q.default;
  }
  return { errors, accepted, rest, passwords: passwords.filter((p) => Object.hasOwn(accepted, p)) };
}

/** `display_survey_spec`: password defaults as `$encrypted$`. */
export function displaySurvey(spec: Obj | undefined): Obj {
  if (!spec) return {};
  return { ...spec, spec: ((spec.spec as Obj[] | undefined) ?? []).map((q) => (q.type === "password" && q.default ? { ...q, default: ENCRYPTED } : { ...q })) };
}

/** `variables_needed_to_start`: the required survey variables of an enabled survey. */
export function variablesNeeded(enabled: unknown, spec: Obj | undefined): string[] {
  if (enabled !== true || !spec) return [];
  return ((spec.spec as Obj[] | undefined) ?? []).filter((q) => q.required === true).map((q) => String(q.variable));
}

/** A job's extra_vars as the API shows them: survey passwords as `$encrypted$` (`display_extra_vars`). */
export function displayExtraVars(vars: Obj, passwords: readonly string[] | undefined): Obj {
  if (!passwords?.length) return vars;
  return Object.fromEntries(Object.entries(vars).map(([k, x]) => [k, passwords.includes(k) ? ENCRYPTED : x]));
}
