/** The lines of a multi-step job, shown in one progress message: done steps, then the current one. */
export class StepLines {
  readonly #lines: string[] = [];

  /** Marks the current step done (or adds a done step). */
  done(text: string): this {
    this.#dropRunning();
    this.#lines.push(`✅ ${text}`);
    return this;
  }

  running(text: string): this {
    this.#dropRunning();
    this.#lines.push(`🔄 ${text}`);
    return this;
  }

  warn(text: string): this {
    this.#dropRunning();
    this.#lines.push(`⚠️ ${text}`);
    return this;
  }

  failed(text: string): this {
    this.#dropRunning();
    this.#lines.push(`❌ ${text}`);
    return this;
  }

  /** Replaces the detail of the running step (e.g. an AAP status line) without adding a step. */
  detail(text: string): this {
    return this.running(text);
  }

  lines(): string[] {
    return [...this.#lines];
  }

  #dropRunning(): void {
    if (this.#lines.at(-1)?.startsWith("🔄")) this.#lines.pop();
  }
}
