import { randomUUID } from "node:crypto";
import type { FakeResponse } from "../fake-http.ts";
import { LAB_HOSTS } from "../homelab.ts";
import type { EventInput, JobRec } from "./records.ts";
import type { AapState } from "./state.ts";
import { elapsed, iso, isFailed } from "./format.ts";

/** Appends `e` to the job's events as AWX serializes a job event (ids, counters, stdout line ranges). */
export function emitEvent(s: AapState, job: JobRec, e: EventInput): void {
  const id = s.nextEventId++;
  const p = s.p;
  const now = iso(new Date());
  const lines = e.stdout === "" ? 0 : e.stdout.split("\r\n").length;
  const host = e.host ? hostRef(e.host) : undefined;
  if (e.event === "playbook_on_play_start") job.playCount++;
  if (e.event === "playbook_on_task_start") job.taskCount++;
  const playbook = job.tpl.playbook;
  const { parent_uuid: parent, uuid: ownUuid, ...data } = e.data ?? {};
  const uuid = typeof ownUuid === "string" ? ownUuid : randomUUID();
  job.events.push({
    id, type: "job_event", url: `${p}job_events/${id}/`,
    related: { job: `${p}jobs/${job.id}/`, children: `${p}job_events/${id}/children/`, ...(host?.id ? { host: `${p}hosts/${host.id}/` } : {}) },
    summary_fields: {
      ...(host?.id ? { host: { id: host.id, name: host.name, description: "" } } : {}),
      job: { id: job.id, name: job.tpl.name, description: job.tpl.description, status: job.status, failed: isFailed(job.status), elapsed: elapsed(job), type: "job", job_template_id: job.tpl.id, job_template_name: job.tpl.name },
      role: {},
    },
    created: now, modified: now, job: job.id, event: e.event, counter: job.events.length + 1,
    event_display: eventDisplay(e), event_data: { playbook, ...data, uuid },
    event_level: e.level, failed: e.failed ?? false, changed: e.changed ?? false,
    uuid, parent_uuid: typeof parent === "string" ? parent : "",
    host: host?.id ?? null, host_name: e.host ?? "", playbook, play: e.play ?? "", task: e.task?.name ?? "", role: e.task?.role ?? "",
    stdout: e.stdout, start_line: job.lines, end_line: job.lines + lines, verbosity: 0,
  });
  job.lines += lines;
}

export function eventDisplay(e: EventInput): string {
  switch (e.event) {
    case "playbook_on_start": return "Playbook Started";
    case "playbook_on_play_start": return `Play Started (${e.play ?? ""})`;
    case "playbook_on_task_start": return `Task Started (${e.task?.role ? `${e.task.role} : ` : ""}${e.task?.name ?? ""})`;
    case "runner_on_start": return "Host Started";
    case "runner_on_ok": return "Host OK";
    case "runner_on_failed": return "Host Failed";
    case "runner_on_skipped": return "Host Skipped";
    case "playbook_on_no_hosts_matched": return "No Hosts Matched";
    case "playbook_on_no_hosts_remaining": return "No Hosts Remaining";
    case "playbook_on_stats": return "Playbook Complete";
    default: return e.event;
  }
}

export function hostRef(name: string): { id: number | undefined; name: string } {
  const i = LAB_HOSTS.findIndex((h) => h.name === name);
  return { id: i < 0 ? undefined : i + 1, name };
}

export function stdoutResponse(j: JobRec, format: string | null): FakeResponse {
  const ansi = j.events.map((e) => e.stdout as string).filter((s) => s !== "").join("\r\n");
  if (!ansi) return { status: 200, text: "Waiting for results...", contentType: "text/plain; charset=utf-8" };
  if (format === "ansi") return { status: 200, text: ansi, contentType: "text/plain; charset=utf-8" };
  // eslint-disable-next-line no-control-regex
  const txt = ansi.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r\n/g, "\n");
  if (format === "json") return { status: 200, body: { range: { start: 0, end: j.lines, absolute_end: j.lines }, content: txt } };
  return { status: 200, text: txt, contentType: "text/plain; charset=utf-8" };
}
