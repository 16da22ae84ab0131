import { z } from "zod";
import { actorKey, strictest } from "../core/actor.ts";
import { UserError } from "../errors.ts";
import type { ActionHandler, AckDeps } from "../core/dispatch.ts";
import type { Actor, ChannelRef } from "../core/actor.ts";
import type { JobName } from "../core/job-names.ts";
import type { Message } from "../core/message.ts";
import { JOBS, type JobArgs } from "../jobs/job-table.ts";

const common = z.object({ lockKey: z.string().regex(/^truenas:[A-Za-z0-9_.:/-]+$/), nonce: z.string().min(1), requestedBy: z.string().optional() });

type CleanupJob = Extract<JobName, "truenas.cleanup-execute" | "truenas.cleanup-restore" | "truenas.cleanup-purge">;

/**
 * Queues the job a cleanup button stands for. The request id comes from the button's own nonce, so even a
 * race of two deliveries makes one job; the job's arguments are the plan kept server-side, never a new listing,
 * parsed with the job's own schema from the job table.
 */
async function enqueue<N extends CleanupJob>(deps: AckDeps, o: { job: N; args: JobArgs<N>; lockKey: string; nonce: string; actor: Actor; channel: ChannelRef; what: { noun: string; done: string }; requestedBy?: string | undefined }): Promise<{ reply: Message; update: Message }> {
  // The button carries admin; /cleanup-ocp's own role is checked again at click time (it is the ceiling of every cleanup path).
  const requires = strictest("admin", deps.commands.get("cleanup-ocp")?.def.requires);
  if (!deps.permissions.allows(o.actor, o.channel, requires)) throw new UserError("forbidden", `This button needs the ${requires} role, which you do not have here.`);
  const { jobId, duplicate } = await deps.jobs.enqueue(o.job, {
    command: "cleanup-ocp", args: o.args, actor: o.actor, channel: o.channel, requestId: `${o.job}:${o.nonce}`, lockKey: o.lockKey, requires, enqueuedAt: Date.now(),
  });
  if (!duplicate) {
    await deps.audit.record({ event: "command", actor: actorKey(o.actor), command: "cleanup-ocp", jobId, target: o.lockKey, detail: o.job }).catch(() => {});
    // The audit trail keeps both people: who confirmed (actor) and who asked.
    if (o.requestedBy) await deps.audit.record({ event: "confirmed", actor: actorKey(o.actor), command: "cleanup-ocp", jobId, target: o.lockKey, detail: `requested by ${o.requestedBy}` }).catch(() => {});
  }
  return {
    reply: { title: `/cleanup-ocp: ${o.what.noun} queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId,
      lines: [duplicate ? "This was already queued; no second job was made." : "Progress follows in this channel."] },
    update: { title: `/cleanup-ocp: ${o.what.done} by ${o.actor.name}`, state: "info", lines: [`Queued as job \`${jobId}\`.`] },
  };
}

/** Confirm on a cleanup preview: delete exactly the previewed list. */
const confirmCleanup: ActionHandler = {
  kind: "cleanup-confirm",
  async run({ payload, actor, channel, deps }) {
    const p = common.extend({ plan: JOBS["truenas.cleanup-execute"].args }).parse(payload);
    return enqueue(deps, { job: "truenas.cleanup-execute", args: p.plan, lockKey: p.lockKey, nonce: p.nonce, actor, channel, what: { noun: "cleanup", done: "cleanup confirmed" }, requestedBy: p.requestedBy });
  },
};

/** Restore on a cleanup result: bring back what that cleanup removed. */
const restoreCleanup: ActionHandler = {
  kind: "cleanup-restore",
  async run({ payload, actor, channel, deps }) {
    const p = common.extend({ plan: JOBS["truenas.cleanup-restore"].args }).parse(payload);
    const out = await enqueue(deps, { job: "truenas.cleanup-restore", args: p.plan, lockKey: p.lockKey, nonce: p.nonce, actor, channel, what: { noun: "restore", done: "restore requested" } });
    return { reply: out.reply };
  },
};

/** Confirm on a purge preview: destroy exactly the listed held datasets. */
const confirmPurge: ActionHandler = {
  kind: "cleanup-purge-confirm",
  async run({ payload, actor, channel, deps }) {
    const p = common.extend({ plan: JOBS["truenas.cleanup-purge"].args }).parse(payload);
    return enqueue(deps, { job: "truenas.cleanup-purge", args: p.plan, lockKey: p.lockKey, nonce: p.nonce, actor, channel, what: { noun: "purge", done: "purge confirmed" }, requestedBy: p.requestedBy });
  },
};

/** Buttons of /cleanup-ocp (confirm, restore, purge). Cancel is the shared `cancel` action. */
export const cleanupActions: readonly ActionHandler[] = [confirmCleanup, restoreCleanup, confirmPurge];
