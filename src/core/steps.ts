import type { Message, MessageState } from "./message.ts";

/** Where one step of a multi-step job is. */
export type StepState = "pending" | "running" | "done" | "failed" | "warning" | "skipped";

/** One step of a job's progress, as data: each front end draws it its own way. */
export interface Step {
  /** Stable within the job: setting a key again rewrites that step in place. */
  key: string;
  label: string;
  state: StepState;
  detail?: string | undefined;
}

export const STEP_ICONS: Record<StepState, string> = { pending: "◻️", running: "🔄", done: "✅", failed: "❌", warning: "⚠️", skipped: "⏭️" };

/** One step as plain text (the terminal, and the platforms' notification text): icon, label, detail. */
export function stepText(s: Step): string {
  return `${STEP_ICONS[s.state]} ${s.label}${s.detail ? ` — ${s.detail}` : ""}`;
}

/**
 * A job's steps, keyed and in first-seen order, shown in `Message.steps`. Either named up front
 * (`Steps.of([...])`, then `set`) or added as the job goes (`done`, `running`, …: a running step is replaced
 * by the next one, as a progress line that moves on).
 */
export class Steps {
  readonly #steps = new Map<string, Step>();
  #seq = 0;

  /** Steps known up front, all pending; each label is its key. */
  static of(labels: readonly string[]): Steps {
    const s = new Steps();
    for (const label of labels) s.set(label, "pending");
    return s;
  }

  /** Sets the step `key` (added at the end when new; its label is `label`, else the key). */
  set(key: string, state: StepState, detail?: string, label?: string): this {
    const was = this.#steps.get(key);
    this.#steps.set(key, { key, label: label ?? was?.label ?? key, state, ...(detail ? { detail } : {}) });
    return this;
  }

  done(label: string): this {
    return this.#next("done", label);
  }

  running(label: string): this {
    return this.#next("running", label);
  }

  warn(label: string): this {
    return this.#next("warning", label);
  }

  failed(label: string): this {
    return this.#next("failed", label);
  }

  /** Rewrites what the running step says (an AAP status line) without adding a step. */
  detail(label: string): this {
    return this.running(label);
  }

  /** A message showing these steps (then `extra`'s lines, link, …). */
  message(title: string, state: MessageState, extra: Partial<Message> = {}): Message {
    return { ...extra, title, state, steps: this.list() };
  }

  list(): Step[] {
    return [...this.#steps.values()].map((s) => ({ ...s }));
  }

  #next(state: StepState, label: string): this {
    const last = [...this.#steps.values()].at(-1);
    if (last?.state === "running" && last.key.startsWith("#")) this.#steps.delete(last.key);
    this.#steps.set(`#${++this.#seq}`, { key: `#${this.#seq}`, label, state });
    return this;
  }
}
