import type { SystemVersion } from "../clients/system-version.ts";
import type { VersionEntry, VersionStore } from "../core/version-store.ts";
import { ApiError, UserError } from "../errors.ts";
import type { Logger } from "../logger.ts";

/** A client that can tell which version its server runs (and adapts to it while doing so). */
export interface VersionSource {
  detectVersion(o?: { signal?: AbortSignal | undefined }): Promise<SystemVersion>;
}

export interface VersionDetectorOptions {
  sources: Partial<Record<"aap" | "nautobot" | "proxmox" | "truenas", VersionSource | undefined>>;
  store: VersionStore;
  log: Logger;
  /** How often to detect again (an upgrade is noticed without a restart); default 10 min. */
  intervalMs?: number | undefined;
  timeoutMs?: number | undefined;
}

/**
 * Detects each configured backend's version in the background, when the worker starts and then every
 * interval, and writes it to the VersionStore; /status and /readyz read the store, never a backend. An
 * unsupported version is logged once per detection as a warning naming the supported range.
 */
export class VersionDetector {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;
  #stopped = true;

  constructor(private readonly o: VersionDetectorOptions) {}

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    const tick = async () => {
      this.#running = this.detectOnce();
      await this.#running;
      if (!this.#stopped) this.#timer = setTimeout(() => void tick(), this.o.intervalMs ?? 600_000);
      this.#timer?.unref?.();
    };
    void tick();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  /** Detects every configured system once; never throws. */
  async detectOnce(): Promise<VersionEntry[]> {
    const entries = await Promise.all(
      Object.entries(this.o.sources).filter(([, s]) => s !== undefined).map(([system, source]) => this.#detect(system, source!)),
    );
    return entries;
  }

  async #detect(system: string, source: VersionSource): Promise<VersionEntry> {
    const detectedAt = new Date().toISOString();
    let entry: VersionEntry;
    try {
      const v = await source.detectVersion({ signal: AbortSignal.timeout(this.o.timeoutMs ?? 15_000) });
      entry = { system, label: v.label, supported: v.supported, unsupported: v.unsupported, adapts: v.adapts, detectedAt };
      if (!v.supported) this.o.log.warn({ system, version: v.version, product: v.product }, v.unsupported ?? "unsupported version");
      else this.o.log.info({ system, version: v.label, adapts: v.adapts }, "backend version detected");
    } catch (err) {
      // A TrueNAS login refusal says which setting to fix (its reason holds no secret).
      const error = err instanceof UserError ? err.message
        : err instanceof ApiError ? (err.service === "truenas" && err.status === 401 ? err.reason : err.userMessage)
        : "detection failed";
      entry = { system, error, detectedAt };
      this.o.log.warn({ system, err: err instanceof Error ? err.message : String(err) }, "backend version not detected");
    }
    await this.o.store.write(entry).catch((err: unknown) => this.o.log.debug({ err: String(err) }, "version not cached"));
    return entry;
  }
}
