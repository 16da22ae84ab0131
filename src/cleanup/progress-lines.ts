import type { ProgressSink } from "../core/job-run.ts";
import type { Message } from "../core/message.ts";
import { Steps, type StepState } from "../core/steps.ts";

/** One job's keyed steps, shown in its progress message as they change: each step adds or rewrites its own entry. */
export class ProgressLines {
  readonly #steps = new Steps();

  constructor(
    private readonly progress: ProgressSink,
    readonly title: string,
  ) {}

  /** Sets step `key` (kept in first-seen order) and shows the message. */
  set(key: string, state: StepState, label: string): void {
    this.#steps.set(key, state, undefined, label);
    this.progress.update(this.#steps.message(this.title, "running"));
  }

  final(state: Message["state"], extra: string[] = [], more: Partial<Message> = {}): Message {
    return { ...this.#steps.message(this.title, state), ...(extra.length ? { lines: extra } : {}), ...more };
  }
}
