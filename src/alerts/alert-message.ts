import type { Role } from "../core/actor.ts";
import { formatTime } from "../core/format.ts";
import type { Button, Message } from "../core/message.ts";
import type { AapFailure } from "./aap-failure.ts";
import type { AlertGroup } from "./alert-store.ts";

/** One failure, ready to post: its own message (without buttons), and a short summary for a group listing. */
export interface AlertItem {
  /** `aap:<template>` or `labops:<command>`: what groups and mutes together. */
  group: string;
  /**
   * What one card (message) collects, when finer than `group`: `aap:<template>|app:<name>` or `|host:<names>`,
   * so a failure of another app or host is not absorbed into the same card. Mutes still go by `group` and scopes.
   */
  card?: string | undefined;
  /** What the group title names: the template, or `/command`. */
  subject: string;
  /** The app or hosts the card is about, named in a group's title (`jellyfin`, `docker01,docker02`). */
  target?: string | undefined;
  /** What else mutes it (`/alerts mute`, maintenance windows): `app:<name>`, `host:<name>`, `template:<name>`. */
  scopes?: string[] | undefined;
  /** The role of the command whose failure it reports: an `/alerts mute` made with less does not silence it. */
  requires?: Role | undefined;
  /** Dedupe id: `aap:<job id>` or `worker:<labops job id>`. */
  key: string;
  /** The id shown in a group's list: "104". */
  shortId: string;
  summary: string;
  message: Message;
}

const STATUS_WORD: Record<string, string> = { failed: "failed", error: "ended in error", canceled: "was canceled" };

/** What the alert's buttons offer to run the job again: a relaunch of the failed hosts, the command anew, or nothing. */
export type RunAgain = { kind: "relaunch" } | { kind: "rerun"; command: string } | undefined;

/** The alert of one failed AAP job: what, who, where, what failed, the last output, and what to do next. */
export function renderAapFailure(f: AapFailure, link: { label: string; url: string } | undefined, again?: RunAgain, tz = "UTC"): Message {
  const finished = f.finished ? Date.parse(f.finished) : Number.NaN;
  const lines: string[] = [];
  for (const t of f.failedTasks.slice(0, 5)) lines.push(`failed: ${t.task} on ${t.host}${t.msg ? `: ${t.msg}` : ""}`);
  if (f.failedTasks.length > 5) lines.push(`…and ${f.failedTasks.length - 5} more failed task(s)`);
  if (f.failedHosts.length) lines.push(`failed hosts: ${f.failedHosts.join(", ")}`);
  if (f.explanation) lines.push(`AAP says: ${f.explanation.slice(0, 300)}`);
  if (f.unavailable) lines.push(f.unavailable);
  if (f.tail) lines.push("last lines of output:", ...f.tail.split("\n").filter((l) => l.trim() !== "").slice(-8).map((l) => `  ${l}`));
  lines.push(nextStep(f, again));
  return {
    title: `AAP job ${f.id} ${STATUS_WORD[f.status] ?? f.status}: ${f.template}`,
    state: "failure",
    fields: [
      { label: "Template", value: f.template },
      { label: "Job", value: String(f.id) },
      { label: "Status", value: f.status },
      { label: "Launched by", value: f.createdBy ?? "unknown" },
      { label: "Limit", value: f.limit || "(none: all hosts of the template)" },
      ...(Number.isFinite(finished) ? [{ label: "Finished", value: formatTime(finished, tz) }] : []),
    ],
    lines,
    link,
  };
}

function nextStep(f: AapFailure, again: RunAgain): string {
  if (again?.kind === "rerun") return `Next: *Show log* for more output; once the cause is fixed, *Run /${again.command} again* (it goes through its own preview or confirmation).`;
  if (f.missing) return "Next: labops' AAP does not know this job; open it in the AAP that sent the notification.";
  if (f.status === "canceled") return "Next: someone canceled this job in AAP; run it again if it should have finished.";
  if (f.status === "error") return "Next: AAP could not run the playbook (project, inventory or credential problem); open the job in AAP, fix the cause, then launch again.";
  if (f.failedHosts.length && again?.kind === "relaunch") return `Next: *Show log* for more output; once the cause is fixed, *Relaunch failed hosts* runs it again on ${f.failedHosts.join(", ")} only.`;
  return "Next: *Show log* for more output, fix the cause, then launch the template again.";
}

export function summarizeAap(f: AapFailure): string {
  const first = f.failedTasks[0];
  const what = first ? `${first.host}: ${first.task}` : f.failedHosts.length ? `hosts ${f.failedHosts.join(", ")}` : f.status;
  return `job ${f.id} (${what})`;
}

/**
 * The message of a group: one failure is shown as itself; several get a counting title
 * ("3 failures of Master Deploy in the last 10 min: jobs 101, 104, 107"), the latest one's details,
 * and a line per earlier failure. Buttons act on the latest failure.
 */
export function renderGroup(item: AlertItem, group: AlertGroup, windowMs: number, buttons: Button[], suppressed: string[]): Message {
  const earlier = group.items.slice(0, -1);
  const lines = [...(item.message.lines ?? [])];
  if (suppressed.length) lines.unshift(`While muted: ${suppressed.length} more failure(s) of ${item.subject}: ${suppressed.join(", ")}`);
  if (group.items.length <= 1) return { ...item.message, lines, buttons };
  const ids = group.items.map((i) => i.id);
  return {
    ...item.message,
    title: `${group.items.length} failures of ${item.subject}${item.target ? ` (${item.target})` : ""} in the last ${formatWindow(windowMs)}: jobs ${ids.join(", ")}`,
    lines: [`Latest: ${item.message.title}`, ...lines, ...earlier.map((e) => `earlier: ${e.summary}`)],
    buttons,
    footer: `Buttons act on the latest failure (job ${item.shortId}).`,
  };
}

/** The alert of a labops job that failed for good: the reference id is the one in the worker's "job failed" log line. */
export function renderWorkerFailure(f: { jobId: string; command: string; ref: string; text: string; actor?: string | undefined; args?: string | undefined; at?: string | undefined }): Message {
  return {
    title: `labops job ${f.jobId} failed: /${f.command}`,
    state: "failure",
    fields: [
      { label: "Command", value: `/${f.command}` },
      { label: "Job", value: f.jobId },
      { label: "Reference", value: f.ref },
      { label: "Started by", value: f.actor ?? "unknown" },
      ...(f.args ? [{ label: "Arguments", value: f.args }] : []),
      ...(f.at ? [{ label: "Failed at", value: f.at }] : []),
    ],
    lines: [
      f.text,
      `Next: find the log line with \`ref=${f.ref}\` (message "job failed", jobId ${f.jobId}) for the cause; run the command again once it is fixed.`,
    ],
  };
}

export function formatWindow(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms >= 60_000) return `${Math.round(ms / 60_000)} min`;
  return `${Math.max(1, Math.round(ms / 1000))} s`;
}
