import type { Redis } from "ioredis";

/** One system's version as last detected in the background (see versions/version-detector.ts). */
export interface VersionEntry {
  system: string;
  /** e.g. "AAP 2.5 (controller 4.6.13)"; absent when detection failed. */
  label?: string | undefined;
  supported?: boolean | undefined;
  /** Why the version is not supported, naming the supported range. */
  unsupported?: string | undefined;
  adapts?: string[] | undefined;
  /** Why it could not be detected (operator-facing, no secrets). */
  error?: string | undefined;
  detectedAt: string;
}

/**
 * The detected versions of the backends, in one Redis hash: written by the process that runs the worker,
 * read by /status and /readyz in any process, so neither ever waits on a backend.
 */
export class VersionStore {
  readonly #key: string;

  constructor(private readonly redis: Redis, prefix: string) {
    this.#key = `${prefix}:versions`;
  }

  async write(entry: VersionEntry): Promise<void> {
    await this.redis.hset(this.#key, entry.system, JSON.stringify(entry));
  }

  /** Every system's last entry, by system name; unreadable entries are skipped. */
  async read(): Promise<Record<string, VersionEntry>> {
    const raw = await this.redis.hgetall(this.#key);
    const out: Record<string, VersionEntry> = {};
    for (const [k, v] of Object.entries(raw)) {
      try {
        out[k] = JSON.parse(v) as VersionEntry;
      } catch {
        // a foreign or truncated value: not shown
      }
    }
    return out;
  }
}

/** One line per system for /status: "aap: AAP 2.5 (controller 4.6.13)", or what is wrong. */
export function versionLines(entries: Record<string, VersionEntry>, systems: readonly string[]): string[] {
  return systems.map((s) => {
    const e = entries[s];
    if (!e) return `${s}: version not detected yet`;
    if (e.error) return `${s}: version unknown (${e.error})`;
    if (e.supported === false) return `${s}: ${e.label} — NOT SUPPORTED: ${e.unsupported ?? ""}`.trimEnd();
    return `${s}: ${e.label}`;
  });
}
