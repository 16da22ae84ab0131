import type { Message } from "../core/message.ts";
import type { ProgressSink } from "../core/job-run.ts";

/** The lines of one job's progress message: each step adds or rewrites its own line, all in the same message. */
export class ProgressLines {
  readonly #lines = new Map<string, string>();

  constructor(
    private readonly progress: ProgressSink,
    readonly title: string,
  ) {}

  /** Sets the line of `step` (kept in first-seen order) and shows the message. */
  set(step: string, line: string): void {
    this.#lines.set(step, line);
    this.progress.update({ title: this.title, state: "running", lines: this.lines() });
  }

  lines(): string[] {
    return [...this.#lines.values()];
  }

  final(state: Message["state"], extra: string[] = [], more: Partial<Message> = {}): Message {
    return { title: this.title, state, lines: [...this.lines(), ...extra], ...more };
  }
}
