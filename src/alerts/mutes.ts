import type { Role } from "../core/actor.ts";
import { MUTE_SCOPE } from "../mute-scope.ts";
import { previousRun } from "../schedules/cron.ts";

export { MUTE_SCOPE };

/** A maintenance window from the settings (`alerts.maintenance`): `scope` is silenced for `duration` ms from each `cron` occurrence. */
export interface MaintenanceWindow {
  scope: string;
  cron: string;
  duration: number;
  tz: string;
}

/** A mute in force: set by `/alerts mute`, by a Mute button (legacy groups `aap:<template>`, `labops:<command>`), or by a window. */
export interface Mute {
  /** What is muted: `app:<name>`, `host:<name>`, `template:<name>`, or a button's group. */
  scope: string;
  by: string;
  until: number;
  /** Short id for `/alerts unmute`; windows have none (edit the settings to change them). */
  id?: string | undefined;
  at?: number | undefined;
  window?: string | undefined;
  /** The muter's role when made by `/alerts mute`: it silences only alerts whose command needs no more. */
  role?: Role | undefined;
}

/**
 * The scopes an alert can be muted by: its own group, the template scope its group stands for (`aap:<T>` is
 * `template:<T>`), and whatever the alert names (its app, its hosts).
 */
export function muteScopes(group: string, scopes: readonly string[] = []): string[] {
  const out = new Set([group, ...scopes]);
  const m = /^aap:(.+)$/.exec(group);
  if (m) out.add(`template:${m[1]}`);
  return [...out];
}

/** The window that silences one of `scopes` at `now`, if any. */
export function activeWindow(windows: readonly MaintenanceWindow[], scopes: readonly string[], now = Date.now()): Mute | undefined {
  for (const w of windows) {
    if (!scopes.includes(w.scope)) continue;
    const start = previousRun(w.cron, w.tz, new Date(now));
    if (start && now < start.getTime() + w.duration) {
      return { scope: w.scope, by: "maintenance window", until: start.getTime() + w.duration, window: `${w.cron} (${w.tz})` };
    }
  }
  return undefined;
}
