import { TERMINAL_JOB_STATUSES, type AapClient } from "../../clients/aap.ts";
import { correlationOf } from "../../core/launch-records.ts";
import type { Message } from "../../core/message.ts";
import { UserError } from "../../errors.ts";
import { sleep } from "../../sleep.ts";
import { CancelMarks } from "../cancel-marker.ts";
import { QUEUE_NAME } from "../job-queue.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { TargetLocks } from "../target-lock.ts";
import type { RemovedJob } from "../../jobs/cancel-args.ts";


/** How long a cancel waits for AAP to report the canceled job finished before it leaves the target to the next job's check. */
export const CANCEL_WAIT_MS = 120_000;

/**
 * labops.cancel. For a running job: cancels the AAP job it follows; that job then reports "canceled". For a job
 * /cancel removed from the queue (`removed`): cancels its AAP jobs (found by correlation id when only the intent
 * was saved), waits until AAP reports them finished, frees the target (or, if AAP does not say so in time,
 * leaves the guard for the next job to check), and edits the removed job's message to its final state.
 */
export default defineProcessor({
  name: "labops.cancel",
  needs: [],
  uses: ["aap"],
  title: (a) => `Cancel job ${a.id}`,
  async run(ctx) {
    if (ctx.args.removed) return cancelRemoved(ctx, ctx.args.removed);
    const { aap } = ctx.deps;
    // BullMQ keeps a job's data in the hash <prefix>:<queue>:<id>.
    const raw = await ctx.deps.redis.hget(`${ctx.deps.config.redis.prefix}:${QUEUE_NAME}:${ctx.args.id}`, "data");
    if (!raw) throw new UserError("job_unknown", `No job \`${ctx.args.id}\`.`);
    const state = (JSON.parse(raw) as { state?: Record<string, { jobId?: number } | unknown> }).state ?? {};
    const aapJobs = Object.values(state).flatMap((v) => (v && typeof v === "object" && typeof (v as { jobId?: unknown }).jobId === "number" ? [(v as { jobId: number }).jobId] : []));
    if (!aapJobs.length) {
      return { outcome: "failure", message: { title: `Cancel job ${ctx.args.id}`, state: "failure", lines: ["That job has no AAP job to cancel yet; try again in a moment."] } };
    }
    if (!aap) throw new UserError("aap_not_configured", "AAP is not configured.");
    await new CancelMarks(ctx.deps.redis, ctx.deps.config.redis.prefix).mark(ctx.args.id, ctx.payload.actor.name);
    const lines: string[] = [];
    for (const id of aapJobs) {
      await ctx.deps.launches.markCanceled(id, ctx.payload.actor.name);
      const accepted = await aap.cancelJob(id, { signal: ctx.signal });
      lines.push(`AAP job ${id}: ${accepted ? "cancel requested" : "already finished"}`);
    }
    return { outcome: "success", message: { title: `Cancel job ${ctx.args.id}`, state: "success", lines } };
  },
});

type Ctx = ProcessorContext<{ id: string; removed?: RemovedJob | undefined }>;

async function cancelRemoved(ctx: Ctx, r: RemovedJob) {
  const { deps, args } = ctx;
  const by = ctx.payload.actor.name;
  const aap = deps.aap;
  const lines: string[] = [];
  let allFinished = true;
  // What the job had launched. Saved as it goes, so a retry of this cancel neither searches nor cancels twice.
  let ids = (ctx.state.found as number[] | undefined) ?? undefined;
  if (!ids) {
    ids = [...r.aapJobs];
    if (r.intents.length) {
      if (!aap) throw new UserError("aap_not_configured", "AAP is not configured.");
      ids.push(...(await findIntents(aap, r.intents, ctx.signal)));
    }
    await ctx.save({ found: ids });
  }
  if (ids.length && !aap) throw new UserError("aap_not_configured", "AAP is not configured, so labops cannot cancel the AAP job of that job.");
  for (const id of ids) {
    await deps.launches.markCanceled(id, by);
    const accepted = await aap!.cancelJob(id, { signal: ctx.signal });
    const status = await waitFinished(ctx, aap!, id);
    if (!TERMINAL_JOB_STATUSES.includes(status)) allFinished = false;
    lines.push(`AAP job ${id}: ${accepted ? "cancel requested" : "had already finished"}; AAP reports it ${status}${TERMINAL_JOB_STATUSES.includes(status) ? "" : " (still stopping)"}.`);
  }
  if (!ids.length && r.intents.length) lines.push("AAP has no job from its launch: nothing was running.");
  if (r.lockKey) {
    const locks = deps.locks ?? new TargetLocks(deps.redis, deps.config.redis.prefix, deps.config.limits.lockLease);
    // Frees the target for the next job in line; while AAP still shows the job stopping, the guard stays and the next job checks AAP itself.
    await locks.release(r.lockKey, args.id, { keepRemote: !allFinished });
  }
  const final: Message = {
    title: `/${r.command}: cancelled by ${by}`, state: "canceled",
    lines: [
      `Job \`${args.id}\` was cancelled by ${by} while ${WHILE[r.why]}${r.attemptsMade ? ` (after ${r.attemptsMade} failed attempt${r.attemptsMade === 1 ? "" : "s"})` : ""}; it will not run again.`,
      ...lines,
      ...(lines.length ? ["What it had already changed is not undone; `/job` and `/history` show it."] : []),
    ],
  };
  if (r.progressRef) {
    await ctx.ensureOwner();
    await deps.notifier.edit(r.progressRef, final).catch((err: unknown) => ctx.log.warn({ err: String(err) }, "the cancelled job's message could not be edited"));
  }
  await deps.audit.record({ event: "result", command: r.command, jobId: args.id, target: r.lockKey, actor: `${ctx.payload.actor.platform}:${ctx.payload.actor.id}`, detail: `canceled ${JSON.stringify({ aapJobs: ids })}` }).catch(() => {});
  return {
    outcome: "success" as const,
    message: { title: `Cancel job ${args.id}: done`, state: "success" as const, lines: [`Removed from the queue (it was ${WHILE[r.why]}).`, ...lines] },
    details: { canceled: args.id, aapJobs: ids, lockFreed: r.lockKey ? allFinished : undefined },
  };
}

const WHILE: Record<RemovedJob["why"], string> = {
  queued: "queued", lock: "waiting for its target", retry: "waiting to retry", "handed-back": "handed back at a worker shutdown",
};

/** The AAP jobs launched by these intents (matched by `extra_vars.labops_correlation`), if AAP has them. Throws when AAP cannot be asked. */
async function findIntents(aap: AapClient, intents: RemovedJob["intents"], signal: AbortSignal): Promise<number[]> {
  const since = new Date(Math.min(...intents.map((i) => i.intentAt)) - 120_000).toISOString();
  const jobs = await aap.listJobs({ created__gt: since, order_by: "id" }, { signal });
  const wanted = new Set(intents.map((i) => i.correlation));
  return jobs.filter((j) => wanted.has(correlationOf(j.extra_vars) ?? "")).map((j) => j.id);
}

/** Polls the AAP job until it is finished or CANCEL_WAIT_MS has passed; returns the last status seen. */
async function waitFinished(ctx: Ctx, aap: AapClient, id: number): Promise<string> {
  const deadline = Date.now() + CANCEL_WAIT_MS;
  for (;;) {
    const job = await aap.getJob(id, { signal: ctx.signal });
    if (TERMINAL_JOB_STATUSES.includes(job.status) || Date.now() > deadline) return job.status;
    ctx.progress.update({ title: `Cancel job ${ctx.args.id}`, state: "running", lines: [`AAP job ${id} is ${job.status}; waiting for it to stop…`] });
    await sleep(ctx.deps.config.aapSettings.pollInterval, ctx.signal);
  }
}
