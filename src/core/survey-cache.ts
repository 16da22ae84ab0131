import type { Logger } from "../logger.ts";
import type { Survey } from "./survey.ts";

/** Reads one template's survey from AAP: null when it has none or it is disabled. */
export type SurveyReader = (template: string, signal: AbortSignal) => Promise<Survey | null>;

/**
 * The surveys of the templates `/labops run` may launch, read in the background (at start, then every
 * interval), so the acknowledgement checks answers without calling AAP. A template whose survey was never
 * read answers undefined (the command then says to try again); a failed read keeps the previous copy.
 */
export class SurveyCache {
  readonly #surveys = new Map<string, { survey: Survey | null; at: number }>();
  #timer: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;

  constructor(
    private readonly templates: () => readonly string[],
    private readonly read: SurveyReader,
    private readonly log: Logger,
    private readonly opts: { timeoutMs?: number | undefined } = {},
  ) {}

  /** The survey as last read: null for none, undefined when not read yet. */
  get(template: string): Survey | null | undefined {
    return this.#surveys.get(template)?.survey;
  }

  loadedAt(template: string): number | undefined {
    return this.#surveys.get(template)?.at;
  }

  /** Reads every template's survey (one at a time); a failing one keeps its previous copy. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#readAll().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  start(intervalMs = 300_000): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #readAll(): Promise<void> {
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 15_000);
    const names = this.templates();
    for (const name of names) {
      try {
        this.#surveys.set(name, { survey: await this.read(name, signal), at: Date.now() });
      } catch (err) {
        this.log.warn({ template: name, err: err instanceof Error ? err.message : String(err) }, "survey refresh failed");
      }
    }
    for (const name of [...this.#surveys.keys()]) if (!names.includes(name)) this.#surveys.delete(name);
  }
}
