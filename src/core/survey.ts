import { UserError } from "../errors.ts";

/** A question of an AAP survey (survey_spec's `spec`), as labops reads it. */
export interface SurveyQuestion {
  question_name: string;
  question_description?: string | undefined;
  variable: string;
  type: "text" | "textarea" | "password" | "integer" | "float" | "multiplechoice" | "multiselect";
  required: boolean;
  min?: number | null | undefined;
  max?: number | null | undefined;
  /** For a password question AAP shows a set default as `$encrypted$`. */
  default?: unknown;
  choices?: string[] | undefined;
}

export interface Survey {
  name: string;
  description: string;
  questions: SurveyQuestion[];
}

/** A survey answer as it travels in the job (a password answer travels sealed, apart). */
export type SurveyValue = string | number | string[];

export interface SurveyProblem {
  variable: string;
  question: string;
  message: string;
}

export interface SurveyAnswers {
  /** The answers to send, typed as AAP expects them (integers as numbers, multiselect as lists); passwords excluded. */
  values: Record<string, SurveyValue>;
  /** Password answers, in clear: the caller seals them at once. */
  secrets: Record<string, string>;
  problems: SurveyProblem[];
  /** Required questions with no answer and no usable default (a form asks them). */
  missing: SurveyQuestion[];
}

/** AAP's placeholder for a password it keeps: sent back, it means "use the survey's own default". */
export const ENCRYPTED = "$encrypted$";
const TEMPLATED = /\{\{|\{%|\{#|\}\}|%\}|#\}/;
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/;
const TEXT_MAX = 1024;

/** The prompt text of a question: its name, with the variable when they differ. */
export function questionLabel(q: SurveyQuestion): string {
  return q.question_name && q.question_name !== q.variable ? `${q.question_name} (${q.variable})` : q.variable;
}

/** What a question accepts, said plainly (for prompts, placeholders and error messages). */
export function questionHint(q: SurveyQuestion): string {
  const range = (unit: string) => (has(q.min) && has(q.max) ? ` from ${q.min} to ${q.max}${unit}` : has(q.min) ? ` of at least ${q.min}${unit}` : has(q.max) ? ` of at most ${q.max}${unit}` : "");
  switch (q.type) {
    case "integer": return `a whole number${range("")}`;
    case "float": return `a number${range("")}`;
    case "multiplechoice": return `one of ${(q.choices ?? []).join(", ")}`;
    case "multiselect": return `one or more of ${(q.choices ?? []).join(", ")}, separated by commas`;
    case "password": return `a secret${range(" characters")}, never shown or logged`;
    default: return `text${range(" characters")}`;
  }
}

const has = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/**
 * Checks one answer (as typed, or as carried in a job) against its question and gives it the type AAP
 * expects. Every answer is hostile: no templated text, no control characters, lengths and ranges as the
 * survey says (text without a max is capped at 1,024 characters).
 */
export function checkAnswer(q: SurveyQuestion, raw: SurveyValue): { value: SurveyValue } | { problem: string } {
  const text = Array.isArray(raw) ? raw.join(",") : String(raw);
  const bad = (why: string) => ({ problem: `${questionLabel(q)} must be ${questionHint(q)}${why ? ` (${why})` : ""}.` });
  if (TEMPLATED.test(text)) return { problem: `${questionLabel(q)} may not hold templated text ({{ }}, {% %}).` };
  if (CONTROL.test(text) || (q.type !== "textarea" && text.includes("\n"))) return { problem: `${questionLabel(q)} may not hold control characters${q.type === "textarea" ? "" : " or line breaks"}.` };
  switch (q.type) {
    case "integer":
    case "float": {
      const ok = q.type === "integer" ? /^-?\d{1,15}$/.test(text.trim()) : /^-?\d{1,15}(\.\d{1,15})?$/.test(text.trim());
      if (!ok) return bad("");
      const n = Number(text.trim());
      if ((has(q.min) && n < q.min) || (has(q.max) && n > q.max)) return bad(`${n} is outside`);
      return { value: n };
    }
    case "multiplechoice":
      return (q.choices ?? []).includes(text) ? { value: text } : bad(`\`${text.slice(0, 60)}\` is not offered`);
    case "multiselect": {
      const picked = text.split(",").map((s) => s.trim()).filter(Boolean);
      const off = picked.find((p) => !(q.choices ?? []).includes(p));
      if (off !== undefined) return bad(`\`${off.slice(0, 60)}\` is not offered`);
      if (new Set(picked).size !== picked.length) return bad("a choice is repeated");
      if (q.required && picked.length === 0) return bad("none picked");
      return { value: picked };
    }
    default: {
      const max = has(q.max) ? q.max : TEXT_MAX;
      if (has(q.min) && text.length < q.min) return bad(`${q.type === "password" ? "it" : `\`${text.slice(0, 40)}\``} is ${text.length} long`);
      if (text.length > max) return bad(`it is ${text.length} long`);
      return { value: text };
    }
  }
}

/**
 * Answers a survey from the given answers: each checked and typed; unanswered questions take their
 * default when it passes its own question (as AAP does); a required question with neither is `missing`.
 * A password question's default is AAP's secret, so it is answered `$encrypted$` (AAP then uses its default).
 */
export function answerSurvey(survey: Survey, given: Readonly<Record<string, SurveyValue>>): SurveyAnswers {
  const out: SurveyAnswers = { values: {}, secrets: {}, problems: [], missing: [] };
  for (const q of survey.questions) {
    const raw = Object.hasOwn(given, q.variable) ? given[q.variable] : undefined;
    const empty = raw === undefined || (typeof raw === "string" && raw === "");
    if (empty) {
      if (q.type === "password" && q.default === ENCRYPTED) {
        out.values[q.variable] = ENCRYPTED;
        continue;
      }
      const d = q.default;
      const usable = d !== undefined && d !== null && d !== "" && (typeof d === "string" || typeof d === "number" || (Array.isArray(d) && d.every((x) => typeof x === "string")));
      const checked = usable ? checkAnswer(q, d as SurveyValue) : undefined;
      if (checked && "value" in checked) out.values[q.variable] = checked.value;
      else if (q.required) out.missing.push(q);
      continue;
    }
    const checked = checkAnswer(q, raw);
    if ("problem" in checked) out.problems.push({ variable: q.variable, question: q.question_name, message: checked.problem });
    else if (q.type === "password") out.secrets[q.variable] = String(checked.value);
    else out.values[q.variable] = checked.value;
  }
  return out;
}

/** A UserError naming every problem and every missing answer; undefined when the answers are complete. */
export function surveyError(template: string, a: SurveyAnswers): UserError | undefined {
  if (!a.problems.length && !a.missing.length) return undefined;
  const lines = [
    ...a.problems.map((p) => p.message),
    ...a.missing.map((q) => `${questionLabel(q)} needs an answer: ${questionHint(q)} (--var ${q.variable}=…).`),
  ];
  return new UserError("survey_incomplete", `\`${template}\` asks a survey; nothing was launched.\n${lines.map((l) => `• ${l}`).join("\n")}`);
}
