import { z } from "zod";
import type { ActionStore } from "../core/action-store.ts";
import { actorKey } from "../core/actor.ts";
import type { ActionHandler } from "../core/dispatch.ts";
import type { Button, Message } from "../core/message.ts";
import { UserError } from "../errors.ts";
import type { ApprovalView } from "./approval-message.ts";
import { notAnApprover } from "./approval-policy.ts";

export const APPROVAL_DECIDE = "approval-decide";
/** The worker's job that calls AAP's approve/ or deny/ (queue/processors/aap-approval-decide.ts). */
export const APPROVAL_JOB = "aap.approval-decide" as const;

const payloadSchema = z.object({
  approval: z.number().int().positive(),
  decision: z.enum(["approve", "deny"]),
  workflow: z.string().min(1),
  workflowJob: z.number().int().nonnegative(),
  approvers: z.array(z.string()),
  launcherKey: z.string().optional(),
  /** The button's role (dispatchAction checked the clicker has it): the job carries it for the worker's check. */
  role: z.enum(["viewer", "operator", "admin"]),
});

/** Approve and Deny: reusable buttons (a second click is told why nothing more happens), needing the approval's role. */
export async function approveButtons(actions: ActionStore, v: ApprovalView, ttlMs: number): Promise<Button[]> {
  const make = (decision: "approve" | "deny") => actions.create({
    kind: APPROVAL_DECIDE, payload: { approval: v.id, decision, workflow: v.workflow, workflowJob: v.workflowJob, approvers: v.approvers, role: v.role, ...(v.launcherKey ? { launcherKey: v.launcherKey } : {}) },
    requires: v.role, singleUse: false, ttlMs,
  });
  return [
    { id: await make("approve"), label: "Approve", style: "primary" },
    { id: await make("deny"), label: "Deny", style: "danger" },
  ];
}

/**
 * A click on Approve or Deny, on the acknowledgement path (nothing here calls AAP). The button's role was
 * checked by dispatchAction; the workflow's list of people is checked here (and again by the worker, against
 * the settings in force). One job per approval: its request id is the approval's id, so a second click, on
 * either button or in another channel, is answered "already being decided" and sends nothing to AAP.
 */
const decide: ActionHandler = {
  kind: APPROVAL_DECIDE,
  async run({ payload, actor, channel, deps }) {
    const parsed = payloadSchema.safeParse(payload);
    if (!parsed.success) throw new UserError("action_unknown", "This approval button is from an older labops and no longer works; decide it in AAP.");
    const p = parsed.data;
    const why = notAnApprover(p, actor);
    if (why) {
      await deps.audit.record({ event: "refused", actor: actorKey(actor), command: "approval", target: `workflow:${p.workflow}`, detail: `${p.decision} approval ${p.approval}: ${p.launcherKey === actorKey(actor) ? "launched it" : "not an approver"}` }).catch(() => {});
      throw new UserError("forbidden", why);
    }
    const { jobId, duplicate } = await deps.jobs.enqueue(APPROVAL_JOB, {
      command: "approval", args: { approval: p.approval, decision: p.decision, workflow: p.workflow }, actor, channel,
      requestId: `approval:${p.approval}`, requires: p.role, enqueuedAt: Date.now(),
    });
    if (!duplicate) {
      void deps.audit.record({ event: "command", actor: actorKey(actor), command: "approval", jobId, target: `workflow:${p.workflow}`, detail: `${p.decision} approval ${p.approval} (workflow job ${p.workflowJob})` }).catch(() => {});
    }
    const reply: Message = duplicate
      ? { title: `Approval ${p.approval} is already being decided`, state: "info", ephemeral: true, jobId, lines: [`A click before yours queued job \`${jobId}\`; nothing more is sent to AAP. The message shows the decision once AAP has it.`] }
      : { title: `${p.decision === "approve" ? "Approving" : "Denying"} ${p.workflow}: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId, lines: ["The approval message shows the decision once AAP has it."] };
    return { reply };
  },
};

export const approvalActions: readonly ActionHandler[] = [decide];
