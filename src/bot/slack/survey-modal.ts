import type { SurveyForm } from "../../core/survey-form.ts";
import { checkAnswer, ENCRYPTED, questionHint, type Survey, type SurveyQuestion } from "../../core/survey.ts";

export const SURVEY_CALLBACK = "labops_survey";
const ACTION = "answer";
const blockId = (q: SurveyQuestion) => `q:${q.variable}`;
const text = (t: string, max: number) => ({ type: "plain_text" as const, text: t.length > max ? `${t.slice(0, max - 1)}…` : t });

/** What the modal carries back in private_metadata: never a secret answer. */
export interface SurveyModalMeta {
  template: string;
  channel: string;
  host?: string | undefined;
  given: Record<string, string>;
}

function usableDefault(q: SurveyQuestion): string | undefined {
  if (q.type === "password" || q.default === undefined || q.default === null || q.default === "") return undefined;
  const d = Array.isArray(q.default) ? q.default.join(",") : String(q.default);
  return "problem" in checkAnswer(q, d) ? undefined : d;
}

function element(q: SurveyQuestion): Record<string, unknown> {
  const d = usableDefault(q);
  const option = (c: string) => ({ text: text(c, 75), value: c.slice(0, 150) });
  const choices = q.choices ?? [];
  if ((q.type === "multiplechoice" || q.type === "multiselect") && choices.length > 0 && choices.length <= 100) {
    if (q.type === "multiplechoice") return { type: "static_select", action_id: ACTION, options: choices.map(option), ...(d !== undefined ? { initial_option: option(d) } : {}) };
    const picked = d?.split(",").filter(Boolean) ?? [];
    return { type: "multi_static_select", action_id: ACTION, options: choices.map(option), ...(picked.length ? { initial_options: picked.map(option) } : {}) };
  }
  if (q.type === "integer" || q.type === "float") {
    return { type: "number_input", action_id: ACTION, is_decimal_allowed: q.type === "float", ...(q.min != null ? { min_value: String(q.min) } : {}), ...(q.max != null ? { max_value: String(q.max) } : {}), ...(d !== undefined ? { initial_value: d } : {}) };
  }
  return { type: "plain_text_input", action_id: ACTION, multiline: q.type === "textarea", ...(d !== undefined ? { initial_value: d.slice(0, 3000) } : {}),
    ...(q.min != null && q.min > 0 ? { min_length: Math.min(q.min, 3000) } : {}), ...(q.max != null ? { max_length: Math.min(Math.max(q.max, 1), 3000) } : {}) };
}

/**
 * The survey as a Slack modal: one input per question (choices as selects, numbers as number inputs), defaults
 * filled in, optional where the survey does not require an answer or has a default. Undefined when it cannot be
 * one (more than 100 blocks, or the metadata would not fit), so the command answers as typed.
 */
export function surveyModal(form: SurveyForm, channel: string): Record<string, unknown> | undefined {
  // Secret answers given on the command line are asked again: the metadata goes through Slack.
  const ask = form.survey.questions.filter((q) => form.ask.includes(q) || (q.type === "password" && Object.hasOwn(form.given, q.variable)));
  const given = Object.fromEntries(Object.entries(form.given).filter(([k]) => !ask.some((q) => q.variable === k)));
  const meta: SurveyModalMeta = { template: form.template, channel, ...(form.host ? { host: form.host } : {}), given };
  const privateMetadata = JSON.stringify(meta);
  if (privateMetadata.length > 3000 || ask.length > 99) return undefined;
  return {
    type: "modal", callback_id: SURVEY_CALLBACK, private_metadata: privateMetadata,
    title: text(`Run ${form.template}`, 24), submit: text("Run", 24), close: text("Cancel", 24),
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `*${form.template}*${form.survey.description ? `\n${form.survey.description}` : ""}`.slice(0, 3000) } },
      ...ask.map((q) => ({
        type: "input", block_id: blockId(q), optional: !q.required || usableDefault(q) !== undefined || (q.type === "password" && q.default === ENCRYPTED),
        label: text(q.question_name || q.variable, 2000), element: element(q),
        hint: text(`${q.question_description ? `${q.question_description}. ` : ""}${q.type === "password" && q.default === ENCRYPTED ? "Empty: the one kept in AAP. " : ""}${questionHint(q)}`, 2000),
      })),
    ],
  };
}

/**
 * The answers of a submitted survey modal, each checked against the survey as cached now; errors by block_id,
 * as Slack's `response_action: "errors"` expects them.
 */
export function readSurveyModal(survey: Survey, values: Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null; selected_options?: { value: string }[] }>>):
  { answers: Record<string, string>; errors: Record<string, string> } {
  const answers: Record<string, string> = {};
  const errors: Record<string, string> = {};
  for (const q of survey.questions) {
    const cell = values[blockId(q)]?.[ACTION];
    if (!cell) continue;
    const v = cell.selected_options ? cell.selected_options.map((o) => o.value).join(",") : cell.selected_option ? cell.selected_option.value : (cell.value ?? "");
    if (v.trim() === "") {
      if (q.required && usableDefault(q) === undefined && !(q.type === "password" && q.default === ENCRYPTED)) errors[blockId(q)] = "An answer is needed.";
      continue;
    }
    const checked = checkAnswer(q, v.trim());
    if ("problem" in checked) errors[blockId(q)] = checked.problem.slice(0, 150);
    else answers[q.variable] = v.trim();
  }
  return { answers, errors };
}
