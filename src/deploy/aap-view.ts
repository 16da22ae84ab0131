import type { Job } from "../clients/aap.ts";
import type { JobProgress } from "../clients/aap-progress.ts";
import { plural } from "../core/format.ts";
import type { FollowedJob } from "./aap-follow.ts";

/** One line per AAP job state: "AAP job 42 running · play Deploy traefik · task Pull image · 3 tasks done". */
export function aapStatusLine(job: Job, p: JobProgress | undefined): string {
  const parts = [`AAP job ${job.id} ${job.status}`];
  if (p?.play) parts.push(`play ${p.play}`);
  if (p?.task && job.status === "running") parts.push(`task ${p.task}`);
  if (p && p.tasksDone > 0) parts.push(p.tasksTotal ? `${p.tasksDone}/${p.tasksTotal} tasks done` : `${plural(p.tasksDone, "task")} done`);
  return parts.join(" · ");
}

/**
 * Per-host counts as Ansible's play recap prints them (`edge01 ok=5 changed=2 unreachable=0 failed=0 skipped=1`),
 * from `playbook_on_stats` once it arrived (`play recap`), from the task events before (`so far`).
 */
export function hostCountsLine(p: JobProgress | undefined, maxHosts = 3): string {
  const hosts = Object.entries(p?.perHost ?? {}).sort(([a], [b]) => a.localeCompare(b));
  const label = p?.recapped ? "play recap" : "so far";
  if (!hosts.length) return `${label}: no host has reported yet`;
  const shown = hosts.slice(0, maxHosts).map(([h, t]) => `${h} ok=${t.ok} changed=${t.changed} unreachable=${t.dark} failed=${t.failures} skipped=${t.skipped}`);
  const more = hosts.length - shown.length;
  return `${label}: ${shown.join(" · ")}${more ? ` · and ${plural(more, "more host")}` : ""}`;
}

/** The lines of a finished job: elapsed, counts, and on failure the failed tasks and the output's tail. */
export function aapResultLines(f: FollowedJob): string[] {
  const lines = [`AAP job ${f.job.id} ${f.job.status} in ${formatSeconds(f.job.elapsed ?? 0)}`, hostCountsLine(f.progress)];
  for (const t of f.progress.failedTasks.slice(0, 5)) lines.push(`failed: ${t.task} on ${t.host}${t.msg ? `: ${t.msg}` : ""}`);
  if (f.tail) lines.push("last lines of output:", ...f.tail.split("\n").slice(-8).map((l) => `  ${l}`));
  return lines;
}

export function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
