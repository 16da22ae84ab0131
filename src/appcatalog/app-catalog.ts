import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";
import { appEntrySchema, type AppEntry } from "../clients/nautobot-schemas.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import { UserError } from "../errors.ts";
import { closeMatches } from "../suggest.ts";

export type { AppEntry };

/** Where the worker reads `app_list`: Nautobot (the source of truth) or, without Nautobot, the repository's file. */
export interface AppCatalog {
  apps(opts?: { signal?: AbortSignal | undefined; fresh?: boolean | undefined }): Promise<Record<string, AppEntry>>;
  /** Names seen at the last read, for autocomplete on the ack path (no backend call). */
  cachedNames(): string[];
  /** The entries of the last read and when it was, for read-only answers on the ack path; undefined before any read. */
  cached?(): { at: number; apps: Record<string, AppEntry> } | undefined;
}

/** Looks an app up (`fresh`: bypass the cache); an unknown name is a UserError that suggests close matches. */
export async function requireApp(catalog: AppCatalog, name: string, signal?: AbortSignal, fresh = false): Promise<AppEntry> {
  const apps = await catalog.apps({ signal, fresh });
  const app = apps[name];
  if (app) return app;
  const near = closeMatches(name, Object.keys(apps));
  const hint = near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : ` Known apps: ${Object.keys(apps).sort().join(", ")}.`;
  throw new UserError("unknown_app", `No app \`${name}\` in app_list.${hint}`);
}

/** app_list from Nautobot's config context, cached briefly so a burst of commands reads it once. */
export class NautobotCatalog implements AppCatalog {
  #cache: { at: number; apps: Record<string, AppEntry> } | undefined;
  constructor(
    private readonly nautobot: NautobotClient,
    private readonly ttlMs = 10_000,
  ) {}

  async apps(opts: { signal?: AbortSignal | undefined; fresh?: boolean | undefined } = {}): Promise<Record<string, AppEntry>> {
    if (!opts.fresh && this.#cache && Date.now() - this.#cache.at < this.ttlMs) return this.#cache.apps;
    const { apps } = await this.nautobot.appList({ signal: opts.signal });
    this.#cache = { at: Date.now(), apps };
    return apps;
  }

  cachedNames(): string[] {
    return Object.keys(this.#cache?.apps ?? {}).sort();
  }

  cached(): { at: number; apps: Record<string, AppEntry> } | undefined {
    return this.#cache;
  }
}

/** app_list from `config_contexts/app_list.yml` (Nautobot's Git data-source layout), when Nautobot is not configured. */
export class FileCatalog implements AppCatalog {
  #names: string[] = [];
  #last: { at: number; apps: Record<string, AppEntry> } | undefined;
  constructor(private readonly path: string) {}

  async apps(): Promise<Record<string, AppEntry>> {
    const out: Record<string, AppEntry> = {};
    for (const doc of parseAllDocuments(readFileSync(this.path, "utf8"))) {
      const data = doc.toJS() as { app_list?: Record<string, unknown> } | null;
      for (const [name, entry] of Object.entries(data?.app_list ?? {})) {
        const parsed = appEntrySchema.safeParse(entry);
        if (parsed.success) out[name] = parsed.data;
      }
    }
    this.#names = Object.keys(out).sort();
    this.#last = { at: Date.now(), apps: out };
    return out;
  }

  cachedNames(): string[] {
    return this.#names;
  }

  cached(): { at: number; apps: Record<string, AppEntry> } | undefined {
    return this.#last;
  }
}

/** The entries of a cached app_list as the acknowledgement path got them from core's CatalogCache, checked again. */
export function cachedEntries(apps: Readonly<Record<string, unknown>>): Record<string, AppEntry> {
  const out: Record<string, AppEntry> = {};
  for (const [name, entry] of Object.entries(apps)) {
    const parsed = appEntrySchema.safeParse(entry);
    if (parsed.success) out[name] = parsed.data;
  }
  return out;
}
