import { createHash } from "node:crypto";
import type { JobEvent } from "../clients/aap.ts";
import type { AppEntry } from "./app-catalog.ts";

/** What a check (`/deploy <app> --check`, diff mode) was made against: the app's app_list entry and the project's revision. */
export interface PlanBasis {
  entry: string;
  revision: string;
}

/** A stable fingerprint of an app_list entry (keys sorted), so the same entry hashes the same after a round trip. */
export function entryHash(entry: AppEntry): string {
  const stable = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(stable) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, stable(x)])) : v;
  return createHash("sha256").update(JSON.stringify(stable(entry))).digest("hex").slice(0, 16);
}

/** Why a plan no longer holds, or undefined when it still does. */
export function staleReason(check: PlanBasis, now: PlanBasis, app: string): string | undefined {
  const why: string[] = [];
  if (check.entry !== now.entry) why.push(`the app_list entry of \`${app}\` changed`);
  if (check.revision !== now.revision) why.push(`the project's revision moved from \`${check.revision.slice(0, 10) || "?"}\` to \`${now.revision.slice(0, 10) || "?"}\``);
  return why.length ? `${why.join(" and ")} since the check` : undefined;
}

const MAX_DIFF_LINES = 6;
const MAX_CHARS = 1_800;

/**
 * Per host, the tasks that reported changed and what their diffs add or remove (`+`/`-` lines), shortened to
 * fit a chat message; the full output is behind the job's link.
 */
export function planLines(events: readonly JobEvent[]): { lines: string[]; shortened: boolean } {
  const byHost = new Map<string, { task: string; diff: string[] }[]>();
  for (const e of events) {
    if (!e.changed || !e.host_name) continue;
    const res = (e.event_data.res ?? {}) as { diff?: unknown };
    const list = byHost.get(e.host_name) ?? [];
    list.push({ task: `${e.role ? `${e.role} : ` : ""}${e.task}`, diff: diffLines(res.diff) });
    byHost.set(e.host_name, list);
  }
  const lines: string[] = [];
  let shortened = false;
  let used = 0;
  const push = (l: string) => {
    if (used + l.length > MAX_CHARS) {
      shortened = true;
      return false;
    }
    used += l.length;
    lines.push(l);
    return true;
  };
  if (byHost.size === 0) push("Nothing would change: no task reports changed.");
  for (const [host, tasks] of byHost) {
    if (!push(`*${host}*: ${tasks.length} task${tasks.length === 1 ? "" : "s"} would change`)) break;
    for (const t of tasks) {
      if (!push(`• ${t.task}`)) break;
      const shown = t.diff.slice(0, MAX_DIFF_LINES);
      if (t.diff.length > shown.length) shortened = true;
      for (const d of shown) if (!push(`    \`${d.slice(0, 120)}\``)) break;
    }
  }
  return { lines, shortened };
}

/** `res.diff` (a list of before/after pairs, or one) as `+ line` / `- line`. */
function diffLines(diff: unknown): string[] {
  const list = Array.isArray(diff) ? diff : diff && typeof diff === "object" ? [diff] : [];
  const out: string[] = [];
  for (const d of list as { before?: unknown; after?: unknown; prepared?: unknown }[]) {
    if (typeof d.prepared === "string") {
      out.push(...d.prepared.split("\n").filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---)/.test(l)));
      continue;
    }
    const before = text(d.before).split("\n").filter(Boolean);
    const after = text(d.after).split("\n").filter(Boolean);
    out.push(...before.filter((l) => !after.includes(l)).map((l) => `- ${l}`), ...after.filter((l) => !before.includes(l)).map((l) => `+ ${l}`));
  }
  return out;
}

function text(v: unknown): string {
  return typeof v === "string" ? v : v === undefined || v === null ? "" : JSON.stringify(v, null, 1);
}
