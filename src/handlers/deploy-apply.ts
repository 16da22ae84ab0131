import { actorKey, strictest } from "../core/actor.ts";
import { roleFor } from "../core/command.ts";
import type { ActionHandler } from "../core/dispatch.ts";
import { UserError } from "../errors.ts";
import { applyArgs } from "../jobs/deploy-args.ts";

/**
 * Apply under a check's plan: bound to the person who asked for the check, single use, expiring. Queues
 * aap.deploy-apply under the app's lock with /deploy's role for these arguments (checked again now); the
 * worker refuses a stale plan. One job per plan: its request id is the check's AAP job.
 */
export const deployApplyAction: ActionHandler = {
  kind: "deploy-apply",
  async run({ payload, actor, channel, deps }) {
    const parsed = applyArgs.safeParse(payload);
    if (!parsed.success) throw new UserError("action_unknown", "This Apply button is from an older labops; run the check again.");
    const a = parsed.data;
    const cmd = deps.commands.get("deploy");
    const requires = strictest("operator", cmd ? roleFor(cmd.def, { allowElevated: a.allowElevated }) : "admin");
    if (!deps.permissions.allows(actor, channel, requires)) throw new UserError("forbidden", `Applying a deploy needs the ${requires} role, which you do not have here.`);
    const { jobId, duplicate } = await deps.jobs.enqueue("aap.deploy-apply", {
      command: "deploy", args: a, actor, channel, requestId: `deploy-apply:${a.checkJob}`, lockKey: `app:${a.app}`, requires, enqueuedAt: Date.now(),
    });
    if (!duplicate) void deps.audit.record({ event: "command", actor: actorKey(actor), command: "deploy", jobId, target: `app:${a.app}`, detail: `apply the plan of AAP job ${a.checkJob}` }).catch(() => {});
    return {
      reply: { title: `Apply: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId, lines: [duplicate ? "This plan was already applied; no second job was made." : "Progress follows in this channel."] },
    };
  },
};
