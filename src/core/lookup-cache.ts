import type { Logger } from "../logger.ts";

/** The names labops checks typed values against and offers for autocomplete. */
export type LookupSource = "apps" | "hosts" | "nodes" | "runners";

export const LOOKUP_NOUNS: Record<LookupSource, string> = {
  apps: "app in app_list", hosts: "host in Nautobot", nodes: "Proxmox node", runners: "runner in Proxmox",
};

/**
 * Reads one source from its backend (in the background, never on the acknowledgement path): its names, or
 * its names with the rows they came from (the runners' containers, so /runner status answers from the copy).
 */
export type LookupReader = (signal: AbortSignal) => Promise<string[] | { names: string[]; rows: readonly unknown[] }>;

/**
 * Names of apps, hosts, Proxmox nodes and runners, refreshed in the background for every front end: the
 * acknowledgement path reads them (autocomplete, "did you mean") without calling a backend. A source that
 * never loaded (not configured, or its backend down since start) answers undefined, and the worker checks.
 */
export class LookupCache {
  readonly #names = new Map<LookupSource, { names: string[]; at: number; rows?: readonly unknown[] | undefined }>();
  #timer: NodeJS.Timeout | undefined;
  #soon: NodeJS.Timeout | undefined;
  #refreshing: Promise<void> | undefined;
  #lastRefresh = 0;

  constructor(
    private readonly readers: Partial<Record<LookupSource, LookupReader>>,
    private readonly log: Logger,
    private readonly opts: { timeoutMs?: number | undefined; minGapMs?: number | undefined } = {},
  ) {}

  /** The names of a source as last read, or undefined when it has not loaded. */
  names(source: LookupSource): string[] | undefined {
    return this.#names.get(source)?.names;
  }

  /** The rows a source was last read with, and when; undefined when it has not loaded or has no rows. */
  rows<T>(source: LookupSource): { rows: readonly T[]; at: number } | undefined {
    const e = this.#names.get(source);
    return e?.rows ? { rows: e.rows as readonly T[], at: e.at } : undefined;
  }

  /** When a source was last read (ms since the epoch). */
  loadedAt(source: LookupSource): number | undefined {
    return this.#names.get(source)?.at;
  }

  apps(): string[] {
    return this.names("apps") ?? [];
  }

  hosts(): string[] {
    return this.names("hosts") ?? [];
  }

  nodes(): string[] {
    return this.names("nodes") ?? [];
  }

  runners(): string[] {
    return this.names("runners") ?? [];
  }

  /** Reads every source once (one read at a time); a failing source keeps its previous names. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /**
   * A refresh soon, not awaited: after a name was not found (it may have been added since the last read).
   * At most one per `minGapMs` (default 10 s), so a stream of typos cannot hammer the backends.
   */
  refreshSoon(): void {
    if (this.#soon) return;
    const wait = Math.max(0, this.#lastRefresh + (this.opts.minGapMs ?? 10_000) - Date.now());
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.refresh();
    }, wait);
    this.#soon.unref();
  }

  start(intervalMs = 300_000): void {
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    if (this.#soon) clearTimeout(this.#soon);
    this.#timer = this.#soon = undefined;
  }

  async #read(): Promise<void> {
    this.#lastRefresh = Date.now();
    const signal = AbortSignal.timeout(this.opts.timeoutMs ?? 15_000);
    await Promise.all(Object.entries(this.readers).map(async ([source, read]) => {
      try {
        const got = await read!(signal);
        const names = [...new Set(Array.isArray(got) ? got : got.names)].sort();
        this.#names.set(source as LookupSource, { names, at: Date.now(), ...(Array.isArray(got) ? {} : { rows: got.rows }) });
      } catch (err) {
        this.log.warn({ what: source, err: err instanceof Error ? err.message : String(err) }, "lookup cache refresh failed");
      }
    }));
  }
}
