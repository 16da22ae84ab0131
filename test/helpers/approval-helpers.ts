import { ApprovalPoller } from "../../src/approvals/approval-poller.ts";
import { ApprovalStore } from "../../src/approvals/approval-store.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import type { Labops } from "../../src/create-labops.ts";
import type { Lab } from "../../lab/create-lab.ts";

/** An approvals poller posting to `channel` through the front end's real notifier (as the worker's own posts to the configured channels). */
export function approvalPollerFor(labops: Labops, channel: ChannelRef): ApprovalPoller {
  return new ApprovalPoller({
    aap: labops.clients.aap!, store: new ApprovalStore(labops.redis, labops.config.redis.prefix), actions: labops.ack.actions, notifier: labops.notifiers,
    launches: labops.workerDeps.launches, config: labops.config, channels: [channel], log: labops.log, intervalMs: 60_000,
  });
}

/** Launches the seeded "Deploy with Approval" workflow and waits until it pauses on its approval. */
export async function launchApproval(labops: Labops, lab: Lab): Promise<{ wf: number; approval: number }> {
  const aap = labops.clients.aap!;
  const t = await aap.findWorkflowJobTemplate("Deploy with Approval");
  const { workflowJobId } = await aap.launchWorkflow(t.id, { extra_vars: { app: "grafana" }, limit: "docker01" });
  for (let i = 0; i < 500 && !lab.aap.approvals().some((a) => a.workflowJob === workflowJobId); i++) await new Promise((r) => setTimeout(r, 10));
  const approval = lab.aap.approvals().find((a) => a.workflowJob === workflowJobId);
  if (!approval) throw new Error(`workflow job ${workflowJobId} did not reach its approval`);
  return { wf: workflowJobId, approval: approval.id };
}
