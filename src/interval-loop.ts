/**
 * Runs `tick` now and then `intervalMs` after each run ends (never two at once), until stopped; `stop()` waits
 * for a run in progress. The background pollers' one timer loop.
 */
export class IntervalLoop {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(
    private readonly tick: () => Promise<unknown>,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const run = async () => {
      this.#running = this.tick();
      await this.#running;
      if (!this.#stopped) this.#schedule(run, this.intervalMs);
    };
    this.#schedule(run, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #schedule(fn: () => Promise<void>, ms: number): void {
    this.#timer = setTimeout(() => void fn(), ms);
    this.#timer.unref?.();
  }
}
