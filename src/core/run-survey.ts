import { UserError } from "../errors.ts";
import { checkRun, type RunTemplate } from "./run-policy.ts";
import type { SecretBox } from "./secret-box.ts";
import { answerSurvey, surveyError, type Survey, type SurveyAnswers, type SurveyValue } from "./survey.ts";

/** What a sealed answer is bound to: it opens only for this template and variable. */
export const secretContext = (template: string, variable: string): string => `survey\u0000${template}\u0000${variable}`;

/**
 * The variables of one /labops run, checked: the settings' `vars` (plain values) plus, for a template with a
 * survey, its answers (checked, typed, defaults filled). Used at acknowledgement and again on the worker,
 * with the survey as read there. Throws a UserError naming every problem and every missing answer.
 */
export function checkRunVars(templates: Readonly<Record<string, RunTemplate>>, o: {
  template: string; vars: Readonly<Record<string, SurveyValue>>; host?: string | undefined; survey: Survey | null; secrets?: Readonly<Record<string, string>> | undefined;
}): { t: RunTemplate; vars: Record<string, SurveyValue>; answers?: SurveyAnswers | undefined } {
  const surveyVars = o.survey?.questions.map((q) => q.variable) ?? [];
  const t = checkRun(templates, o, surveyVars);
  if (!o.survey) {
    if (o.secrets && Object.keys(o.secrets).length) throw new UserError("survey_changed", `\`${o.template}\` no longer has a survey with secret answers; nothing was launched. Run it again.`);
    return { t, vars: { ...o.vars } };
  }
  const plain: Record<string, SurveyValue> = {};
  const given: Record<string, SurveyValue> = { ...(o.secrets ?? {}) };
  for (const [k, v] of Object.entries(o.vars)) (surveyVars.includes(k) ? given : plain)[k] = v;
  for (const q of o.survey.questions) {
    // On the worker (sealed answers given), a secret answer in clear did not come through the acknowledgement.
    if (q.type === "password" && o.secrets && Object.hasOwn(o.vars, q.variable)) throw new UserError("secret_in_clear", `The answer to \`${q.variable}\` arrived unsealed; it cannot be opened as a secret, so nothing was launched.`);
    if (q.type !== "password" && o.secrets && Object.hasOwn(o.secrets, q.variable)) throw new UserError("survey_changed", `\`${q.variable}\` is no longer a secret question of \`${o.template}\`; nothing was launched. Run it again.`);
  }
  const answers = answerSurvey(o.survey, given);
  const err = surveyError(o.template, answers);
  if (err) throw err;
  return { t, vars: { ...plain, ...answers.values }, answers };
}

/** Seals each secret answer for the job; without a key, a survey that asks a secret cannot be run from chat. */
export function sealSecrets(box: SecretBox | undefined, template: string, secrets: Readonly<Record<string, string>>): Record<string, string> {
  const names = Object.keys(secrets);
  if (!names.length) return {};
  if (!box) throw new UserError("survey_secret_key", `\`${template}\` asks a secret (${names.join(", ")}), and labops has no SURVEY_SECRET_KEY to keep it sealed; ask an admin to set it.`);
  return Object.fromEntries(names.map((k) => [k, box.seal(secrets[k]!, secretContext(template, k))]));
}

/** The sealed answers opened (the worker, right before the launch). */
export function openSecrets(box: SecretBox | undefined, template: string, sealed: Readonly<Record<string, string>>): Record<string, string> {
  const names = Object.keys(sealed);
  if (!names.length) return {};
  if (!box) throw new UserError("survey_secret_key", `This run carries secret answers, and the worker has no SURVEY_SECRET_KEY to open them; nothing was launched.`);
  return Object.fromEntries(names.map((k) => [k, box.open(sealed[k]!, secretContext(template, k))]));
}

/** Variables for a chat message or the audit trail: secrets as `••••`. */
export function shownVars(vars: Readonly<Record<string, SurveyValue>>, secrets: Readonly<Record<string, string>>): Record<string, SurveyValue> {
  return { ...vars, ...Object.fromEntries(Object.keys(secrets).map((k) => [k, "••••"])) };
}
