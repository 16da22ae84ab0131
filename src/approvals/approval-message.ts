import type { Button, Message } from "../core/message.ts";
import type { Role } from "../core/actor.ts";

/** What an approval message shows: the approval, its workflow, who launched it, what follows, who may decide. */
export interface ApprovalView {
  id: number;
  name: string;
  description: string;
  workflow: string;
  workflowJob: number;
  /** Who launched the workflow: the person in labops (/labops run), else AAP's user. */
  launchedBy: string;
  /** `platform:id` of the person who launched it with /labops run, who may not decide it (unless approvals.selfApproval). */
  launcherKey?: string | undefined;
  /** The job templates that run once it is approved (the success path's next nodes). */
  next: string[];
  /** The workflow's variables, shortened (`app=grafana`). */
  vars: string[];
  limit: string;
  /** When AAP fails it (ms since the epoch); undefined: it never expires. */
  expiresAt?: number | undefined;
  role: Role;
  /** `platform:id` of the only people who may decide; empty: anyone with the role. */
  approvers: string[];
  url?: string | undefined;
}

/** How an approval ended: by a click in labops, in AAP itself, or by AAP's timeout. */
export interface ApprovalOutcome {
  outcome: "approved" | "denied" | "timed-out" | "canceled" | "gone";
  by?: string | undefined;
  where: "labops" | "aap";
  at: number;
}

const hhmm = (ms: number) => `${new Date(ms).toISOString().slice(11, 16)} UTC`;

export function expiryLine(v: Pick<ApprovalView, "expiresAt">, now = Date.now()): string {
  if (v.expiresAt === undefined) return "No timeout: it waits until someone decides.";
  const min = Math.max(0, Math.round((v.expiresAt - now) / 60_000));
  return `Expires at ${hhmm(v.expiresAt)} (in ${min < 1 ? "under a minute" : `${min} min`}); AAP fails it then.`;
}

export function whoLine(v: Pick<ApprovalView, "role" | "approvers" | "launcherKey" | "launchedBy">): string {
  const who = v.approvers.length
    ? `Only ${v.approvers.join(", ")} may decide (with the ${v.role} role)`
    : `Anyone with the ${v.role} role may decide`;
  return v.launcherKey ? `${who}, except ${v.launchedBy.replace(/ \(via labops\)$/, "")}, who launched it.` : `${who}.`;
}

function facts(v: ApprovalView): string[] {
  return [
    `Workflow job ${v.workflowJob}, launched by ${v.launchedBy}.`,
    ...(v.description ? [v.description] : []),
    ...(v.next.length ? [`When approved it runs: ${v.next.join(", ")}.`] : []),
    ...(v.vars.length || v.limit ? [`With ${[...v.vars, ...(v.limit ? [`limit=${v.limit}`] : [])].join(" ")}`] : []),
  ];
}

export function renderPending(v: ApprovalView, buttons: Button[], now = Date.now()): Message {
  return {
    title: `Approval needed: ${v.workflow}: ${v.name}`, state: "waiting",
    lines: [...facts(v), expiryLine(v, now), whoLine(v)],
    ...(v.url ? { link: { label: `AAP workflow job ${v.workflowJob}`, url: v.url } } : {}),
    buttons,
  };
}

export function renderClosed(v: ApprovalView, o: ApprovalOutcome): Message {
  const how = {
    approved: { title: "Approved", state: "success" as const, line: `Approved by ${o.by ?? "someone"}${o.where === "aap" ? " in AAP" : ""} at ${hhmm(o.at)}.` },
    denied: { title: "Denied", state: "canceled" as const, line: `Denied by ${o.by ?? "someone"}${o.where === "aap" ? " in AAP" : ""} at ${hhmm(o.at)}: the workflow takes its failure path.` },
    "timed-out": { title: "Timed out", state: "failure" as const, line: `Nobody decided before ${v.expiresAt ? hhmm(v.expiresAt) : "its timeout"}: AAP failed the approval.` },
    canceled: { title: "Canceled", state: "canceled" as const, line: "The workflow job was canceled in AAP; nothing is waiting any more." },
    gone: { title: "Gone", state: "canceled" as const, line: "AAP no longer has this approval (deleted); nothing is waiting any more." },
  }[o.outcome];
  return {
    title: `${how.title}: ${v.workflow}: ${v.name}`, state: how.state,
    lines: [how.line, ...facts(v)],
    ...(v.url ? { link: { label: `AAP workflow job ${v.workflowJob}`, url: v.url } } : {}),
  };
}

/** A workflow's extra_vars (AAP's JSON string) as at most five `key=value` pairs, values cut to 40 characters. */
export function shortVars(extraVars: string | undefined): string[] {
  if (!extraVars) return [];
  let vars: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(extraVars);
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) return [];
    vars = parsed as Record<string, unknown>;
  } catch {
    return [];
  }
  const entries = Object.entries(vars).filter(([k]) => k !== "labops_correlation");
  const out = entries.slice(0, 5).map(([k, x]) => {
    const s = typeof x === "string" ? x : JSON.stringify(x);
    return `${k.slice(0, 40)}=${s.length > 40 ? `${s.slice(0, 39)}…` : s}`;
  });
  return entries.length > 5 ? [...out, `(+${entries.length - 5} more)`] : out;
}
