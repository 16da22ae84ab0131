import type { Message, MessageState } from "../../core/message.ts";

export type StepState = "pending" | "running" | "done" | "failed" | "warning" | "skipped";

export interface Step {
  name: string;
  state: StepState;
  detail?: string | undefined;
}

const ICON: Record<StepState, string> = { pending: "◻️", running: "🔄", done: "✅", failed: "❌", warning: "⚠️", skipped: "⏭️" };

/** A multi-step job's progress: one line per step, in order, in the same message. */
export class StepList {
  constructor(readonly steps: Step[]) {}

  static of(names: string[]): StepList {
    return new StepList(names.map((name) => ({ name, state: "pending" })));
  }

  set(name: string, state: StepState, detail?: string): this {
    const s = this.steps.find((x) => x.name === name);
    if (s) Object.assign(s, { state, detail });
    return this;
  }

  lines(): string[] {
    return this.steps.map((s) => `${ICON[s.state]} ${s.name}${s.detail ? ` — ${s.detail}` : ""}`);
  }

  message(title: string, state: MessageState, extra: Partial<Message> = {}): Message {
    return { title, state, lines: [...this.lines(), ...(extra.lines ?? [])], ...(extra.link ? { link: extra.link } : {}) };
  }
}
