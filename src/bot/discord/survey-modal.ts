import type { SurveyForm } from "../../core/survey-form.ts";
import { checkAnswer, ENCRYPTED, questionHint, type SurveyQuestion } from "../../core/survey.ts";

/** Discord modals hold at most five inputs, all text: a longer survey is answered with --var instead. */
const MAX_INPUTS = 5;
const cut = (t: string, max: number) => (t.length > max ? `${t.slice(0, max - 1)}…` : t);

function usableDefault(q: SurveyQuestion): string | undefined {
  if (q.type === "password" || q.default === undefined || q.default === null || q.default === "") return undefined;
  const d = Array.isArray(q.default) ? q.default.join(",") : String(q.default);
  return "problem" in checkAnswer(q, d) ? undefined : d;
}

const optional = (q: SurveyQuestion) => !q.required || usableDefault(q) !== undefined || (q.type === "password" && q.default === ENCRYPTED);

/**
 * The survey as a Discord modal (interaction response type 9): one text input per question (Discord modals
 * have nothing else), the choices and range in the placeholder, the default as the value. Undefined for more
 * than five questions.
 */
export function discordSurveyModal(form: SurveyForm, key: string): Record<string, unknown> | undefined {
  if (form.ask.length === 0 || form.ask.length > MAX_INPUTS) return undefined;
  return {
    custom_id: `survey:${key}`.slice(0, 100), title: cut(`Run ${form.template}`, 45),
    components: form.ask.map((q) => {
      const d = usableDefault(q);
      const max = q.type === "text" || q.type === "textarea" || q.type === "password" ? Math.min(q.max ?? 1024, 4000) : 4000;
      return {
        type: 1, components: [{
          type: 4, custom_id: q.variable, style: q.type === "textarea" ? 2 : 1, label: cut(q.question_name || q.variable, 45),
          placeholder: cut(questionHint(q), 100), required: !optional(q), max_length: Math.max(1, max),
          ...((q.type === "text" || q.type === "textarea" || q.type === "password") && q.min ? { min_length: Math.min(q.min, 4000) } : {}),
          ...(d !== undefined ? { value: cut(d, 4000) } : {}),
        }],
      };
    }),
  };
}

/** The submitted answers, each checked; the problems as lines (a modal cannot show them per input). */
export function readDiscordModal(form: SurveyForm, value: (variable: string) => string | undefined): { answers: Record<string, string>; problems: string[] } {
  const answers: Record<string, string> = {};
  const problems: string[] = [];
  for (const q of form.ask) {
    const v = (value(q.variable) ?? "").trim();
    if (v === "") {
      if (!optional(q)) problems.push(`${q.question_name || q.variable} needs an answer.`);
      continue;
    }
    const checked = checkAnswer(q, v);
    if ("problem" in checked) problems.push(checked.problem);
    else answers[q.variable] = v;
  }
  return { answers, problems };
}
