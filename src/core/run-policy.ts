import { UserError } from "../errors.ts";
import type { Role } from "./actor.ts";

/** A template `/labops run` may launch (settings `run.templates`). */
export interface RunTemplate {
  kind: "workflow" | "job";
  role: Role;
  vars: string[];
  limit: boolean;
}

const TEMPLATED = /\{\{|\{%|\{#|\}\}|%\}/;
const VALUE = /^[A-Za-z0-9._:/@,+=-]{0,200}$/;
const HOST = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/**
 * What a run may pass, checked at acknowledgement and again on the worker: the template is allowed, each
 * `name=value` names a variable the template allows, values are plain (no templated text, no spaces or
 * quotes), and `--host` (one exact host, never a pattern) only where the template allows a limit.
 */
export function checkRun(templates: Readonly<Record<string, RunTemplate>>, o: { template: string; vars: Readonly<Record<string, unknown>>; host?: string | undefined }, surveyVars: readonly string[] = []): RunTemplate {
  const t = runTemplate(templates, o.template);
  for (const [k, v] of Object.entries(o.vars)) {
    // A survey answer is checked against its question (core/survey.ts).
    if (surveyVars.includes(k)) continue;
    if (!t.vars.includes(k)) {
      const takes = [...t.vars, ...surveyVars];
      throw new UserError("run_refused", `\`${o.template}\` takes no variable \`${k}\`${takes.length ? ` (it takes: ${takes.join(", ")})` : " (it takes none)"}.`);
    }
    if (typeof v !== "string" || TEMPLATED.test(v) || !VALUE.test(v)) throw new UserError("run_refused", `The value of \`${k}\` may hold only letters, digits and . _ : / @ , + = - (no spaces, quotes or templated text).`);
  }
  if (o.host !== undefined) {
    if (!t.limit) throw new UserError("run_refused", `\`${o.template}\` runs on the hosts it names; \`--host\` is not allowed for it.`);
    if (!HOST.test(o.host)) throw new UserError("run_refused", "`--host` must be one host name (no patterns, groups or lists).");
  }
  return t;
}

/** The allowed template of this name, or a UserError naming the allowed ones. */
export function runTemplate(templates: Readonly<Record<string, RunTemplate>>, name: string): RunTemplate {
  const t = Object.hasOwn(templates, name) ? templates[name] : undefined;
  if (t) return t;
  const names = Object.keys(templates);
  throw new UserError("run_refused", `\`${name}\` is not a template labops may run.${names.length ? ` Allowed: ${names.map((n) => `\`${n}\``).join(", ")}.` : " None is allowed (settings: run.templates)."}`);
}

/** `["app=grafana"]` as `{app: "grafana"}`; a pair without `=` or a repeated name is refused. */
export function parseVars(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const i = p.indexOf("=");
    if (i < 1) throw new UserError("bad_args", `\`--var ${p}\`: write it as name=value.`);
    const k = p.slice(0, i);
    if (Object.hasOwn(out, k)) throw new UserError("bad_args", `\`--var ${k}\` was given twice.`);
    out[k] = p.slice(i + 1);
  }
  return out;
}
