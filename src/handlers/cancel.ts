import { z } from "zod";
import { actorKey, strictest, type Platform, type Role } from "../core/actor.ts";
import type { CommandRegistry } from "../core/command-registry.ts";
import { defineCommand } from "../core/command.ts";
import { UserError } from "../errors.ts";
import { messageRefSchema } from "../core/job-payload.ts";
import { removedJobSchema, type RemovedJob } from "../jobs/cancel-args.ts";
import { jobIdArg } from "./job.ts";

interface JobData {
  command?: string;
  requires?: Role;
  lockKey?: string;
  state?: Record<string, unknown>;
}

/**
 * /cancel <id>: stopping a job takes the role it took to start it (the command's, at least operator), so an
 * operator cannot stop an admin's cleanup halfway.
 * - running (active): a labops.cancel job asks AAP to cancel the job it follows; the job then ends "canceled".
 * - not running (queued, waiting for its target, in retry backoff, handed back at shutdown): the BullMQ job is
 *   removed here at once, so no worker picks it up again. When it had left something behind (an AAP job that
 *   may still run, a launch intent, a progress message), labops.cancel cancels that AAP job, waits until AAP
 *   reports it finished, frees the target, and edits the job's own message to its final "cancelled by …".
 */
export default defineCommand({
  name: "cancel",
  description: "Cancel a labops job (and its AAP job if it is running)",
  requires: "operator",
  args: z.object({ id: jobIdArg }),
  positional: ["id"],
  examples: ["0123456789ab"],
  async run(ctx) {
    const { deps, args, actor, channel } = ctx;
    const job = await deps.jobs.queue.getJob(args.id);
    if (!job) throw new UserError("job_unknown", `No job \`${args.id}\`.`);
    const state = await job.getState();
    if (state === "completed" || state === "failed") throw new UserError("job_finished", `Job \`${args.id}\` has already finished (${state}).`);
    const data = job.data as JobData;
    const needed = roleToStop(deps.commands, data);
    if (!deps.permissions.allows(actor, channel, needed)) {
      await deps.audit.record({ event: "refused", actor: actorKey(actor), command: "cancel", jobId: args.id, detail: `needs ${needed}` }).catch(() => {});
      throw new UserError("forbidden", `Cancelling job \`${args.id}\` (\`/${data.command ?? "?"}\`) needs the ${needed} role, which you do not have here.`);
    }
    // Not counted against the cap: someone at the cap must be able to cancel one of their jobs.
    if (state === "active") return ctx.enqueue("labops.cancel", {}, { uncapped: true });
    try {
      await job.remove(); // refused when a worker has just taken it (locked): then it is running
    } catch {
      return ctx.enqueue("labops.cancel", {}, { uncapped: true });
    }
    const owner = (job.data as { actor?: { platform: Platform; id: string } }).actor;
    if (owner) await deps.jobs.forget(owner, args.id).catch(() => {});
    const removed = leftBehind(data, job.attemptsMade, state);
    await deps.audit.record({ event: "canceled", actor: actorKey(actor), jobId: args.id, target: data.lockKey, detail: removed.why }).catch(() => {});
    if (!removed.aapJobs.length && !removed.intents.length && !removed.progressRef) {
      if (data.lockKey) await deps.locks.release(data.lockKey, args.id);
      return { title: `Job ${args.id} canceled`, state: "canceled", lines: ["It had not started; it was removed from the queue."], ephemeral: true };
    }
    const queued = await ctx.enqueue("labops.cancel", { removed }, { uncapped: true });
    const remote = removed.aapJobs.length ? `its AAP job ${removed.aapJobs.join(", ")} is being cancelled` : removed.intents.length ? "AAP is being searched for the job it was launching, to cancel it" : "its message is being closed";
    return {
      ...queued, title: `Job ${args.id} canceled`, state: "canceled",
      lines: [`It was ${WHY[removed.why]}; it was removed from the queue and ${remote}. Its own message shows the end.`],
    };
  },
});

const WHY: Record<RemovedJob["why"], string> = {
  queued: "queued", lock: "waiting for its target", retry: "waiting to retry after a failed attempt", "handed-back": "handed back at a worker shutdown",
};

/** The role it takes to stop a job: the strictest of its command's and the one recorded when it was queued, at least operator; admin when neither is known. */
export function roleToStop(commands: CommandRegistry, data: Pick<JobData, "command" | "requires">): Role {
  const own = data.command ? commands.get(data.command)?.def.requires : undefined;
  if (!own && !data.requires) return "admin";
  return strictest("operator", own, data.requires);
}

/** What a removed job may have left running or showing: AAP jobs and launch intents from its state, its message. */
function leftBehind(data: JobData, attemptsMade: number, bullState: string): RemovedJob {
  const st = data.state ?? {};
  const aapJobs: number[] = [];
  const intents: { correlation: string; intentAt: number }[] = [];
  for (const [k, v] of Object.entries(st)) {
    if (!v || typeof v !== "object" || k === "progressRef") continue;
    const r = v as { jobId?: unknown; correlation?: unknown; intentAt?: unknown };
    if (typeof r.jobId === "number") aapJobs.push(r.jobId);
    else if (typeof r.correlation === "string" && typeof r.intentAt === "number") intents.push({ correlation: r.correlation, intentAt: r.intentAt });
  }
  const ref = messageRefSchema.safeParse(st.progressRef);
  const why: RemovedJob["why"] = st.handedBack ? "handed-back" : attemptsMade > 0 ? "retry" : st.waitingShown || ref.success ? "lock" : "queued";
  return removedJobSchema.parse({
    command: data.command ?? "?", why, aapJobs, intents, attemptsMade, state: bullState,
    ...(data.lockKey ? { lockKey: data.lockKey } : {}), ...(ref.success ? { progressRef: ref.data } : {}),
  });
}
