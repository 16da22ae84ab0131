import type { WorkflowApproval } from "../clients/aap.ts";
import type { Config } from "../config.ts";
import { actorKey, strictest, type Actor, type Role } from "../core/actor.ts";
import type { ApprovalOutcome } from "./approval-message.ts";

/** Who may decide an approval of `workflow`: `approvals.role`, or the workflow's stricter role, and its list of people if it has one. */
export function approvalPolicy(config: Pick<Config, "approvals">, workflow: string): { role: Role; approvers: string[] } {
  const own = Object.hasOwn(config.approvals.workflows, workflow) ? config.approvals.workflows[workflow] : undefined;
  return { role: strictest(config.approvals.role, own?.role), approvers: own?.approvers ?? [] };
}

/**
 * Why `actor` may not decide: not on the workflow's list of people, or the one who launched it (`launcherKey`,
 * unless approvals.selfApproval). Undefined when they may; the role is checked by the button.
 */
export function notAnApprover(policy: { approvers: string[]; launcherKey?: string | undefined }, actor: Pick<Actor, "platform" | "id">): string | undefined {
  if (policy.launcherKey && policy.launcherKey === actorKey(actor)) return "You launched this workflow, so someone else must decide its approval.";
  if (!policy.approvers.length || policy.approvers.includes(actorKey(actor))) return undefined;
  return `Only ${policy.approvers.join(", ")} may decide this approval.`;
}

/** How AAP says an approval ended; undefined while it is pending. */
export function outcomeOf(a: WorkflowApproval, now = Date.now()): ApprovalOutcome | undefined {
  if (a.status === "pending") return undefined;
  const at = a.finished ? Date.parse(a.finished) : now;
  const by = a.summary_fields.approved_or_denied_by?.username;
  if (a.status === "successful") return { outcome: "approved", by, where: "aap", at };
  if (a.status === "failed") return a.timed_out ? { outcome: "timed-out", where: "aap", at } : { outcome: "denied", by, where: "aap", at };
  return { outcome: "canceled", where: "aap", at };
}

/** The workflow job template an approval belongs to (its name, as settings name it). */
export function workflowOf(a: WorkflowApproval): string {
  return a.summary_fields.workflow_job_template?.name ?? a.summary_fields.workflow_job?.name ?? "(unknown workflow)";
}
