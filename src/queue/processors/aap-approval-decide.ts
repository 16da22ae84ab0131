import { closeApproval } from "../../approvals/approval-close.ts";
import { APPROVAL_JOB } from "../../approvals/approval-actions.ts";
import { approvalPolicy, notAnApprover, outcomeOf, workflowOf } from "../../approvals/approval-policy.ts";
import { ApprovalStore } from "../../approvals/approval-store.ts";
import type { ApprovalOutcome } from "../../approvals/approval-message.ts";
import { actorKey, ROLE_RANK } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import { ApiError, UserError } from "../../errors.ts";
import { defineProcessor, type ProcessorContext, type ProcessorResult } from "../processor.ts";

const VERB = { approve: "approved", deny: "denied" } as const;

/**
 * aap.approval-decide (an Approve or Deny click): checks again, against the settings in force, that the clicker
 * may decide approvals of this workflow (role and list of people), that the approval belongs to the workflow the
 * button named and is still pending; then POSTs approve/ or deny/ once, edits every message posted for it to say
 * who decided, and records the decision in the audit trail. An approval decided meanwhile (in AAP, by its
 * timeout, by another click) is not touched: the person is told how it ended.
 */
export default defineProcessor({
  name: APPROVAL_JOB,
  needs: ["aap"],
  title: (a) => `${a.decision === "approve" ? "Approve" : "Deny"} ${a.workflow} (approval ${a.approval})`,
  async run(ctx) {
    const { args: a, deps, payload } = ctx;
    const aap = deps.aap;
    const title = `${a.decision === "approve" ? "Approve" : "Deny"} ${a.workflow} (approval ${a.approval})`;
    const store = new ApprovalStore(deps.redis, deps.config.redis.prefix);
    const policy = approvalPolicy(deps.config, a.workflow);
    const refuse = async (why: string) => {
      await deps.audit.record({ event: "refused", actor: actorKey(payload.actor), command: "approval", target: `workflow:${a.workflow}`, detail: `${a.decision} approval ${a.approval}: ${why}` }).catch(() => {});
      throw new UserError("forbidden", `${why} Nothing was sent to AAP.`);
    };
    if (ROLE_RANK[payload.requires ?? "viewer"] < ROLE_RANK[policy.role]) await refuse(`Deciding approvals of ${a.workflow} needs the ${policy.role} role.`);
    const who = notAnApprover(policy, payload.actor);
    if (who) await refuse(who);

    ctx.progress.update({ title, state: "running", lines: [`Asking AAP for approval ${a.approval}…`] });
    const before = await aap.getWorkflowApproval(a.approval, { signal: ctx.signal }).catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) throw new UserError("approval_gone", `AAP has no approval ${a.approval} any more; nothing was sent.`);
      throw err;
    });
    if (workflowOf(before) !== a.workflow) await refuse(`Approval ${a.approval} belongs to ${workflowOf(before)}, not ${a.workflow}.`);
    const wfJob = before.summary_fields.workflow_job?.id;
    const launcherKey = wfJob !== undefined && !deps.config.approvals.selfApproval ? (await deps.launches.get(wfJob))?.requesterKey : undefined;
    const self = notAnApprover({ approvers: [], launcherKey }, payload.actor);
    if (self) await refuse(self);
    const link = before.summary_fields.workflow_job ? { label: `AAP workflow job ${before.summary_fields.workflow_job.id}`, url: aap.workflowUrl(before.summary_fields.workflow_job.id) } : undefined;
    const ended = outcomeOf(before);
    if (ended) return already(ctx, title, a.approval, ended, link);

    const r = saved(ctx.state) ?? (await aap.decideApproval(a.approval, a.decision, { signal: ctx.signal }));
    await ctx.save({ decided: r });
    if (r === "no-longer-pending") {
      const now = outcomeOf(await aap.getWorkflowApproval(a.approval, { signal: ctx.signal })) ?? { outcome: "canceled", where: "aap", at: Date.now() };
      return already(ctx, title, a.approval, now, link);
    }
    const o: ApprovalOutcome = { outcome: VERB[a.decision], by: payload.actor.name, where: "labops", at: Date.now() };
    await closeApproval({ store, notifier: deps.notifier, log: ctx.log }, a.approval, o);
    await deps.audit.record({ event: "approval", actor: actorKey(payload.actor), command: "approval", jobId: ctx.jobId, target: `workflow:${a.workflow}`,
      detail: `${VERB[a.decision]} approval ${a.approval} (${before.name}) of workflow job ${before.summary_fields.workflow_job?.id ?? "?"}` }).catch(() => {});
    const message: Message = {
      title: `${a.workflow}: ${before.name} ${VERB[a.decision]} by ${payload.actor.name}`, state: a.decision === "approve" ? "success" : "canceled",
      lines: [a.decision === "approve" ? "AAP continues the workflow." : "AAP takes the workflow's failure path."], ...(link ? { link } : {}),
    };
    return { outcome: "success", message, details: { approval: a.approval, decision: a.decision, workflowJob: before.summary_fields.workflow_job?.id } };
  },
});

function saved(state: Record<string, unknown>): "done" | "no-longer-pending" | undefined {
  return state.decided === "done" || state.decided === "no-longer-pending" ? state.decided : undefined;
}

/** Decided before this click took effect: edit the messages (if the poller has not) and say how it ended. */
async function already(ctx: ProcessorContext<unknown>, title: string, id: number, o: ApprovalOutcome, link: Message["link"]): Promise<ProcessorResult> {
  const store = new ApprovalStore(ctx.deps.redis, ctx.deps.config.redis.prefix);
  const shown = (await closeApproval({ store, notifier: ctx.deps.notifier, log: ctx.log }, id, o)) ?? o;
  const how = shown.outcome === "timed-out" ? "timed out before this click reached AAP"
    : shown.outcome === "approved" || shown.outcome === "denied" ? `was already ${shown.outcome}${shown.by ? ` by ${shown.by}` : ""}${shown.where === "aap" ? " in AAP" : ""}`
    : shown.outcome === "gone" ? "no longer exists in AAP" : "was canceled with its workflow";
  const message: Message = { title: `${title}: nothing to do`, state: "canceled", lines: [`Approval ${id} ${how}; nothing was sent to AAP.`], ...(link ? { link } : {}) };
  return { outcome: "success", message, details: { approval: id, already: shown.outcome } };
}
