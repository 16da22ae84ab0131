import type { JobEvent } from "./aap-schemas.ts";

/** Per-host task tallies, the same maps Ansible's `playbook_on_stats` reports. */
export interface HostTally {
  ok: number;
  changed: number;
  failures: number;
  dark: number;
  skipped: number;
}

/**
 * A running job's progress, folded from its events.
 *
 * - `tasksDone`: tasks that have finished. A task counts as finished once the next task starts or the
 *   play recap (`playbook_on_stats`) arrives, so while the job runs it is "task starts minus one". A task
 *   every host skipped (its `when` was false) does not count, and is not shown as `task`: a deploy does not
 *   say "Remove container" because the role lists it for another action.
 * - `tasksTotal`: AWX does not announce the number of tasks up front; left to the caller (kept as given).
 * - `hosts`: how many hosts are in each state, each host counted once by its worst outcome, as AWX's
 *   `host_status_counts` does: failed > unreachable > changed > ok > skipped. Built from `runner_on_*`
 *   events and replaced by the `playbook_on_stats` maps when they arrive.
 * - `failedTasks`: `runner_on_failed` (unless `ignore_errors`) and `runner_on_unreachable`, with `res.msg`.
 * - `lastCounter`: the highest event counter seen; pass it as `afterCounter` for the next poll.
 *   Events at or below it are skipped, so overlapping pages are harmless.
 */
export interface JobProgress {
  play?: string | undefined;
  task?: string | undefined;
  tasksDone: number;
  tasksTotal?: number | undefined;
  hosts: { ok: number; changed: number; failed: number; unreachable: number; skipped: number };
  failedTasks: { host: string; task: string; msg?: string | undefined }[];
  lastCounter: number;
  /** `playbook_on_task_start` events seen (internal to the fold). */
  tasksStarted?: number | undefined;
  /** True once `playbook_on_stats` arrived. */
  recapped?: boolean | undefined;
  /** Per-host tallies (internal to the fold). */
  perHost?: Record<string, HostTally> | undefined;
  /** Tasks every host skipped (internal to the fold). */
  tasksSkipped?: number | undefined;
  /** The task started last, and whether a host ran it or skipped it (internal to the fold). */
  current?: { name: string; ran: boolean; skipped: boolean } | undefined;
  /** The last task a host ran (internal to the fold). */
  lastRan?: string | undefined;
}

const MAX_MSG = 500;

/** Folds new job events into the previous progress (pure; returns a new object). */
export function foldEvents(prev: JobProgress | undefined, events: JobEvent[]): JobProgress {
  const p: JobProgress = {
    ...(prev ?? { tasksDone: 0, hosts: emptyHosts(), failedTasks: [], lastCounter: 0 }),
    failedTasks: [...(prev?.failedTasks ?? [])],
    perHost: Object.fromEntries(Object.entries(prev?.perHost ?? {}).map(([h, t]) => [h, { ...t }])),
  };
  let started = prev?.tasksStarted ?? 0;
  let skippedTasks = prev?.tasksSkipped ?? 0;
  let current = prev?.current ? { ...prev.current } : undefined;
  const finish = () => {
    if (current?.skipped && !current.ran) skippedTasks++;
  };
  const sorted = [...events].sort((a, b) => a.counter - b.counter);
  for (const e of sorted) {
    if (e.counter <= p.lastCounter) continue;
    p.lastCounter = e.counter;
    if (e.event === "playbook_on_play_start") p.play = str(e.event_data.name) ?? e.play;
    else if (e.event === "playbook_on_task_start") {
      finish();
      started++;
      current = { name: taskName(e), ran: false, skipped: false };
      p.task = current.name;
    } else if (e.event === "playbook_on_stats") {
      finish();
      current = undefined;
      p.perHost = fromStats(e.event_data);
      p.recapped = true;
    } else {
      applyRunner(p, e);
      if (current && e.event === "runner_on_skipped") {
        current.skipped = true;
        if (!current.ran) p.task = p.lastRan;
      } else if (current && ["runner_on_ok", "runner_on_failed", "runner_on_unreachable"].includes(e.event)) {
        current.ran = true;
        p.lastRan = current.name;
        p.task = current.name;
      }
    }
  }
  p.tasksStarted = started;
  p.tasksSkipped = skippedTasks;
  p.current = current;
  // A task every host skipped is not work done; while one runs, the skipped-so-far ones are left out too.
  p.tasksDone = Math.max(0, (p.recapped ? started : started - 1) - skippedTasks);
  p.hosts = countHosts(p.perHost ?? {});
  return p;
}

function applyRunner(p: JobProgress, e: JobEvent): void {
  const host = str(e.event_data.host) ?? e.host_name;
  if (!host || !e.event.startsWith("runner_on_")) return;
  const t = (p.perHost![host] ??= { ok: 0, changed: 0, failures: 0, dark: 0, skipped: 0 });
  const res = (e.event_data.res ?? {}) as Record<string, unknown>;
  switch (e.event) {
    case "runner_on_ok":
      t.ok++;
      if (e.changed || res.changed === true) t.changed++;
      break;
    case "runner_on_skipped":
      t.skipped++;
      break;
    case "runner_on_failed":
      // Ansible counts an ignored failure as ok (and ignored), not as a failure.
      if (e.event_data.ignore_errors === true) t.ok++;
      else {
        t.failures++;
        p.failedTasks.push(failure(host, e, res));
      }
      break;
    case "runner_on_unreachable":
      t.dark++;
      p.failedTasks.push(failure(host, e, res));
      break;
  }
}

function failure(host: string, e: JobEvent, res: Record<string, unknown>): JobProgress["failedTasks"][number] {
  const raw = res.msg;
  const msg = raw === undefined ? undefined : (typeof raw === "string" ? raw : JSON.stringify(raw)).slice(0, MAX_MSG);
  return { host, task: taskName(e), ...(msg !== undefined ? { msg } : {}) };
}

/** `role : task` as Ansible prints it; AWX puts the bare task name in `task` and the role in `role`. */
function taskName(e: JobEvent): string {
  const task = str(e.event_data.task) ?? e.task;
  const role = e.role || str(e.event_data.role) || "";
  return role && !task.startsWith(`${role} : `) ? `${role} : ${task}` : task;
}

function fromStats(data: Record<string, unknown>): Record<string, HostTally> {
  const map = (k: string) => (data[k] && typeof data[k] === "object" ? (data[k] as Record<string, number>) : {});
  const hosts = new Set<string>();
  for (const k of ["ok", "changed", "failures", "dark", "skipped", "processed"]) Object.keys(map(k)).forEach((h) => hosts.add(h));
  const out: Record<string, HostTally> = {};
  for (const h of hosts) {
    out[h] = { ok: map("ok")[h] ?? 0, changed: map("changed")[h] ?? 0, failures: map("failures")[h] ?? 0, dark: map("dark")[h] ?? 0, skipped: map("skipped")[h] ?? 0 };
  }
  return out;
}

function countHosts(perHost: Record<string, HostTally>): JobProgress["hosts"] {
  const c = emptyHosts();
  for (const t of Object.values(perHost)) {
    if (t.failures > 0) c.failed++;
    else if (t.dark > 0) c.unreachable++;
    else if (t.changed > 0) c.changed++;
    else if (t.ok > 0) c.ok++;
    else if (t.skipped > 0) c.skipped++;
  }
  return c;
}

function emptyHosts(): JobProgress["hosts"] {
  return { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 };
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}
