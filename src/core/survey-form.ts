import type { Actor, ChannelRef } from "./actor.ts";
import type { AckDeps } from "./dispatch.ts";
import { parseText } from "./parse-text.ts";
import { parseVars } from "./run-policy.ts";
import { answerSurvey, type Survey, type SurveyQuestion } from "./survey.ts";

/** A /labops run whose survey still has questions to ask, and how to send it once they are answered. */
export interface SurveyForm {
  template: string;
  survey: Survey;
  /** The questions to ask, in the survey's order: every one not answered on the command line, and those whose answer did not pass. */
  ask: SurveyQuestion[];
  /** The answers given on the command line (re-sent with the new ones). */
  given: Record<string, string>;
  host?: string | undefined;
}

/**
 * For a front end that can ask (the terminal, a modal): whether this command is a /labops run of a surveyed
 * template that lacks answers, from the settings and the survey cache only (no backend). Anything else,
 * including a person without the template's role, is undefined: the command is dispatched as typed and
 * answers for itself.
 */
export function surveyFormFor(deps: AckDeps, req: { root: string; text: string; actor: Actor; channel: ChannelRef }): SurveyForm | undefined {
  const r = deps.commands.resolve(req.root, req.text);
  if ("error" in r || r.cmd.def.name !== "run") return undefined;
  try {
    return surveyFormForArgs(deps, parseText(r.rest, r.cmd.specs, r.cmd.usage), req.actor, req.channel);
  } catch {
    return undefined;
  }
}

/** The same for a /labops run given as options (Discord): the run's raw arguments. */
export function surveyFormForArgs(deps: AckDeps, raw: Record<string, unknown>, actor: Actor, channel: ChannelRef): SurveyForm | undefined {
  const cmd = deps.commands.get("run");
  if (!cmd) return undefined;
  try {
    const parsed = cmd.def.args.safeParse(raw);
    if (!parsed.success) return undefined;
    const args = parsed.data as { template: string; var?: string[]; host?: string };
    const req = { actor, channel };
    const t = deps.runTemplates && Object.hasOwn(deps.runTemplates, args.template) ? deps.runTemplates[args.template] : undefined;
    if (!t || t.kind !== "job" || !deps.permissions.allows(req.actor, req.channel, t.role)) return undefined;
    const survey = deps.surveys?.get(args.template);
    if (!survey) return undefined;
    const given = parseVars(args.var ?? []);
    const a = answerSurvey(survey, given);
    if (!a.missing.length && !a.problems.length) return undefined;
    const bad = new Set(a.problems.map((p) => p.variable));
    const ask = survey.questions.filter((q) => bad.has(q.variable) || !Object.hasOwn(given, q.variable));
    for (const v of bad) delete given[v];
    return { template: args.template, survey, ask, given, host: args.host };
  } catch {
    return undefined;
  }
}

/** The structured options of the completed run, for dispatchCommand (no text to re-parse or quote). */
export function surveyFormOptions(form: SurveyForm, answers: Readonly<Record<string, string>>): Record<string, unknown> {
  const vars = { ...form.given, ...answers };
  return { template: form.template, var: Object.entries(vars).map(([k, v]) => `${k}=${v}`), ...(form.host ? { host: form.host } : {}) };
}
