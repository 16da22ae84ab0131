import { UserError } from "../errors.ts";
import type { RegisteredCommand } from "./command-registry.ts";
import { LOOKUP_NOUNS, type LookupCache, type LookupSource } from "./lookup-cache.ts";
import { closeMatches } from "../suggest.ts";
import { formatTime } from "./format.ts";

const SOURCES = new Set<string>(Object.keys(LOOKUP_NOUNS));

/**
 * Refuses, at acknowledgement, a value that names an app, host, node or runner the lookup cache does not
 * know (the command's `complete` says which arguments name what): privately, with "did you mean", and
 * without a job. A source that has not loaded lets the value through; the worker validates it again.
 */
export function checkNames(lookups: LookupCache | undefined, cmd: RegisteredCommand, args: Record<string, unknown>, tz = "UTC"): void {
  if (!lookups) return;
  for (const [arg, source] of Object.entries(cmd.def.complete ?? {})) {
    if (!source || !SOURCES.has(source)) continue;
    const known = lookups.names(source as LookupSource);
    if (!known) continue;
    // A list argument (`/deploy traefik homepage`) is checked name by name.
    const value = [args[arg]].flat().find((v): v is string => typeof v === "string" && v !== "" && !known.includes(v));
    if (value === undefined) continue;
    lookups.refreshSoon();
    const near = closeMatches(value, known);
    const hint = near.length
      ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?`
      : known.length && known.length <= 12 ? ` Known: ${known.map((n) => `\`${n}\``).join(", ")}.` : "";
    const at = formatTime(lookups.loadedAt(source as LookupSource) ?? Date.now(), tz, { clock: true, minutes: true });
    throw new UserError("unknown_name", `No ${LOOKUP_NOUNS[source as LookupSource]} is called \`${value}\`.${hint}\n` +
      `Nothing was queued. (Names as of ${at}; labops is reading them again, so if it was added just now, try again in a minute.)`);
  }
}
