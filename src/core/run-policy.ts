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
export function checkRun(templates: Readonly<Record<string, RunTemplate>>, o: { template: string; vars: Record<string, string>; host?: string | undefined }): RunTemplate {
  const t = Object.hasOwn(templates, o.template) ? templates[o.template] : undefined;
  if (!t) {
    const names = Object.keys(templates);
    throw new UserError("run_refused", `\`${o.template}\` is not a template labops may run.${names.length ? ` Allowed: ${names.map((n) => `\`${n}\``).join(", ")}.` : " None is allowed (settings: run.templates)."}`);
  }
  for (const [k, v] of Object.entries(o.vars)) {
    if (!t.vars.includes(k)) throw new UserError("run_refused", `\`${o.template}\` takes no variable \`${k}\`${t.vars.length ? ` (it takes: ${t.vars.join(", ")})` : " (it takes none)"}.`);
    if (TEMPLATED.test(v) || !VALUE.test(v)) throw new UserError("run_refused", `The value of \`${k}\` may hold only letters, digits and . _ : / @ , + = - (no spaces, quotes or templated text).`);
  }
  if (o.host !== undefined) {
    if (!t.limit) throw new UserError("run_refused", `\`${o.template}\` runs on the hosts it names; \`--host\` is not allowed for it.`);
    if (!HOST.test(o.host)) throw new UserError("run_refused", "`--host` must be one host name (no patterns, groups or lists).");
  }
  return t;
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
