import { z } from "zod";
import { defineCommand } from "../core/command.ts";
import { UserError } from "../errors.ts";
import { jobIdArg } from "./job.ts";

/**
 * A queued or delayed job is removed at once (Redis only). A running one gets a cancel job, which asks
 * AAP to cancel the remote job; the running job then ends as canceled.
 */
export default defineCommand({
  name: "cancel",
  description: "Cancel a labops job (and its AAP job if it is running)",
  requires: "operator",
  args: z.object({ id: jobIdArg }),
  positional: ["id"],
  examples: ["0123456789ab"],
  async run(ctx) {
    const job = await ctx.deps.jobs.queue.getJob(ctx.args.id);
    if (!job) throw new UserError("job_unknown", `No job \`${ctx.args.id}\`.`);
    const state = await job.getState();
    if (state === "completed" || state === "failed") throw new UserError("job_finished", `Job \`${ctx.args.id}\` has already finished (${state}).`);
    if (state === "waiting" || state === "delayed" || state === "prioritized") {
      await job.remove();
      const owner = (job.data as { actor?: { platform: "slack" | "discord" | "terminal"; id: string } }).actor;
      if (owner) await ctx.deps.jobs.forget(owner, ctx.args.id).catch(() => {});
      const lockKey = (job.data as { lockKey?: string }).lockKey;
      if (lockKey) await ctx.deps.locks.release(lockKey, ctx.args.id);
      await ctx.deps.audit.record({ event: "canceled", actor: `${ctx.actor.platform}:${ctx.actor.id}`, jobId: ctx.args.id, target: lockKey }).catch(() => {});
      return { title: `Job ${ctx.args.id} canceled`, state: "canceled", lines: ["It had not started; it was removed from the queue."], ephemeral: true };
    }
    // Not counted against the cap: someone at the cap must be able to cancel one of their jobs.
    return ctx.enqueue("labops.cancel", {}, { uncapped: true });
  },
});
