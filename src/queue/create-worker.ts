import { randomBytes } from "node:crypto";
import { DelayedError, UnrecoverableError, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import { ApiError, describeForUser, errorFields, UserError } from "../errors.ts";
import { scrub } from "../logger.ts";
import type { Message } from "../core/message.ts";
import type { Notifier } from "../core/notifier.ts";
import { isJobName, type JobName } from "../core/job-names.ts";
import { JOBS } from "../jobs/job-table.ts";
import { jobPayloadSchema, messageRefSchema, type JobPayload } from "../core/job-payload.ts";
import { QUEUE_NAME } from "./job-queue.ts";
import { CancelMarks } from "./cancel-marker.ts";
import { acquireTarget, GUARD_RECHECK_MS, waitingLine } from "./lock-wait.ts";
import { LostOwnershipError, TargetLockLostError, type Processor, type ProcessorResult } from "./processor.ts";
import { ProgressMessage } from "./progress-message.ts";
import { grantSystems, missingSystems, notConfigured } from "./systems.ts";
import { TargetLocks } from "./target-lock.ts";
import type { WorkerDeps } from "./worker-deps.ts";

export interface WorkerOptions {
  connection: Redis;
  prefix: string;
  processors: readonly Processor[];
  deps: WorkerDeps;
  concurrency?: number | undefined;
  /** BullMQ lock: a crashed worker's job is taken over after about this long (plus the stalled check). */
  lockDurationMs?: number | undefined;
  stalledIntervalMs?: number | undefined;
  /**
   * How long a job waiting for its target lock sleeps when nothing wakes it (a release wakes the line at once);
   * default `limits.lockRecheck`.
   */
  lockRetryMs?: number | undefined;
}

export interface LabopsWorker {
  worker: Worker;
  locks: TargetLocks;
  /** Stops taking jobs, hands running ones back with their remote ids (they re-attach on the next worker), then closes. */
  close(): Promise<void>;
}

export const refId = () => randomBytes(4).toString("hex");

/** The worker process: validates each job, holds its target lock, keeps its progress message, and maps errors. */
export function createWorker(opts: WorkerOptions): LabopsWorker {
  const byName = new Map<JobName, Processor>(opts.processors.map((p) => [p.name, p]));
  const { deps } = opts;
  // A freed lock wakes its line: each waiting job's delayed BullMQ job is promoted (no polling while waiting).
  const promote = async (ids: string[]) => {
    await Promise.all(ids.map((id) => worker.backend.promote(id).catch(() => {})));
  };
  const locks = new TargetLocks(opts.connection, opts.prefix, deps.config.limits.lockLease, {
    maxWaiters: deps.config.limits.lockWaiters,
    recheckMs: opts.lockRetryMs ?? deps.config.limits.lockRecheck,
    wake: promote,
  });
  // Processors that free a target for another job (labops.cancel) use this worker's locks, which wake the line.
  const runDeps: WorkerDeps = { ...deps, locks };
  const shutdown = new AbortController();
  const lockDuration = opts.lockDurationMs ?? 30_000;

  const processJob = async (job: Job, token?: string, signal?: AbortSignal): Promise<unknown> => {
    const parsed = jobPayloadSchema.safeParse(job.data);
    const processor = isJobName(job.name) ? byName.get(job.name) : undefined;
    if (!parsed.success || !processor) {
      deps.log.error({ jobId: job.id, name: job.name }, "job payload rejected");
      throw new UnrecoverableError(parsed.success ? `no processor for ${job.name}` : "invalid job payload");
    }
    const payload = parsed.data;
    const jobId = job.id!;
    const log = deps.log.child({ cmd: payload.command, user: `${payload.actor.platform}:${payload.actor.id}`, jobId });
    const state: Record<string, unknown> = { ...payload.state };
    let extendedAt = -Infinity;
    const ensureOwner = async () => {
      if (!token) return;
      const at = Date.now();
      const ok = await job.extendLock(token, lockDuration).catch(() => 0);
      if (!ok) throw new LostOwnershipError(jobId);
      extendedAt = at;
    };
    // The first chat post is started before the work and awaited before its first side effect: what a processor
    // does before that (reading Nautobot, finding the template) overlaps with the post; nothing that changes the
    // lab happens before the message exists and its reference is saved in the job.
    let posted: Promise<void> = Promise.resolve();
    const beforeSideEffect = async () => {
      await posted;
      await ensureOwner();
    };
    const save = async (patch: Record<string, unknown>) => {
      await beforeSideEffect();
      await saveState(patch);
    };
    const saveState = async (patch: Record<string, unknown>) => {
      await ensureOwner();
      Object.assign(state, patch);
      await job.updateData({ ...payload, state });
    };
    // Once the job runs, every chat edit is fenced by the job lock: a worker paused past its lock (GC, SIGSTOP)
    // must not overwrite the message the new owner keeps, least of all its final state.
    let fenced = false;
    let lost = false;
    // A lock extended less than a third of its duration ago is still ours (nobody can take a job whose lock
    // has not expired), so chat edits renew it once per interval, not once per edit.
    const fence = async () => {
      if (fenced && Date.now() - extendedAt >= lockDuration / 3) await ensureOwner();
    };
    const notifier: Notifier = {
      post: async (channel, msg, o) => (await fence(), deps.notifier.post(channel, msg, o)),
      edit: async (ref, msg) => (await fence(), deps.notifier.edit(ref, msg)),
    };
    const storedRef = messageRefSchema.safeParse(state.progressRef);
    const progress = new ProgressMessage({
      notifier,
      channel: payload.channel,
      ref: storedRef.success ? storedRef.data : undefined,
      onPosted: (ref) => saveState({ progressRef: ref }),
      // Discord refuses a second message with the same nonce from the bot: a first post retried after a crash
      // between the post and saving its reference returns the first message instead of doubling it.
      postKey: `labops-${jobId}`,
      minIntervalMs: deps.config.limits.progressEditInterval,
      log,
    });
    const args = JOBS[processor.name].args.safeParse(payload.args);
    if (!args.success) {
      const issue = args.error.issues[0];
      await progress.finish(failure(`/${payload.command}`, `Invalid arguments: ${issue?.path.join(".")}: ${issue?.message}`));
      throw new UnrecoverableError("invalid arguments");
    }
    const title = processor.title(args.data);
    const abort = AbortSignal.any([shutdown.signal, ...(signal ? [signal] : [])]);
    // Checked once, before the job waits for its target: a job whose systems are not configured cannot run.
    const missing = missingSystems(runDeps, processor.needs);
    if (missing.length) {
      log.info({ missing }, "job refused: system not configured");
      await progress.finish(failure(title, `Job \`${jobId}\` was not started: ${notConfigured(missing)}.`));
      await deps.audit.record({ event: "result", command: payload.command, jobId, target: payload.lockKey, detail: `refused: ${missing.join(", ")} not configured` }).catch(() => {});
      throw new UnrecoverableError(`${missing.join(", ")} not configured`);
    }

    if (payload.lockKey) {
      const got = await acquireTarget(locks, payload.lockKey, jobId, deps.aap, abort);
      if (!got.acquired && got.full) {
        await progress.finish(failure(title, `Job \`${jobId}\` was not started: ${got.position} jobs are already waiting for \`${payload.lockKey}\`, the most allowed. Try again when \`/status\` shows a shorter line.`));
        await deps.audit.record({ event: "result", command: payload.command, jobId, target: payload.lockKey, detail: "refused: line full" }).catch(() => {});
        throw new UnrecoverableError("lock line full");
      }
      if (!got.acquired) {
        // The message changes only when the place in line does: a re-check that sees the same line sends nothing.
        const line = waitingLine(jobId, payload.lockKey, got);
        if (state.waitingShown !== line) {
          const waiting: Message = { title, state: "waiting", lines: [line] };
          if (!progress.ref) {
            deps.metrics?.lockWaited(payload.lockKey);
            await progress.start(waiting);
          } else await progress.now(waiting);
          state.waitingShown = line;
          await job.updateData({ ...payload, state });
        }
        await job.moveToDelayed(Date.now() + (got.remote === undefined ? locks.recheckMs : Math.min(locks.recheckMs, GUARD_RECHECK_MS)), token);
        // A release between the acquire above and this sleep found the job still active and could not wake it.
        if (await locks.freeFor(payload.lockKey, jobId).catch(() => false)) await promote([jobId]);
        throw new DelayedError();
      }
    }
    // Remote work that may outlive this attempt keeps the target taken (see holdRemote).
    let remoteLive = false;
    let retrying = false;
    const holdRemote = async (remote: string) => {
      if (!payload.lockKey) return;
      if (!(await locks.markRemote(payload.lockKey, jobId, remote))) throw new TargetLockLostError(payload.lockKey);
      remoteLive = true;
    };
    const remoteDone = () => {
      remoteLive = false;
    };
    const renew = payload.lockKey
      ? setInterval(() => void locks.renew(payload.lockKey!, jobId).catch(() => {}), Math.max(500, locks.leaseMs / 3))
      : undefined;
    try {
      fenced = true;
      // The first post is not awaited here: read-only work starts at once; `save` and `ensureOwner`, which every
      // processor calls before a side effect, wait for it (the platform throttle sends posts ahead of edits).
      if (!progress.ref) posted = progress.start({ title, state: "queued", lines: [`Job \`${jobId}\` started by ${payload.actor.name}.`] });
      // A stalled job (its worker died) is counted in stalledCounter, not attemptsMade.
      else if (job.attemptsMade > 0 || job.stalledCounter > 0 || state.handedBack) progress.update({ title, state: "running", lines: ["Resuming…"] });
      if (state.handedBack) await save({ handedBack: false });
      const result = await processor.run({
        args: args.data, payload, jobId, attempt: job.attemptsMade + 1, log, signal: abort, deps: grantSystems(runDeps, processor.needs, processor.uses), state, save, ensureOwner: beforeSideEffect, progress, holdRemote, remoteDone,
      });
      await ensureOwner(); // a worker that lost the job delivers no final state (the new owner does)
      if (result.outcome === "canceled") {
        const by = await new CancelMarks(deps.redis, deps.config.redis.prefix).by(jobId).catch(() => undefined);
        if (by) result.message = { ...result.message, lines: [...(result.message.lines ?? []), `Cancelled by ${by} (/cancel).`] };
      }
      await progress.finish(result.message);
      await deps.audit.record({ event: "result", command: payload.command, jobId, target: payload.lockKey, actor: `${payload.actor.platform}:${payload.actor.id}`,
        detail: `${result.outcome}${result.details ? ` ${JSON.stringify(result.details)}` : ""}` }).catch(() => {});
      return { outcome: result.outcome, details: result.details ?? {} } satisfies Omit<ProcessorResult, "message">;
    } catch (err) {
      if (err instanceof DelayedError) throw err;
      // Any error seen by a worker that no longer owns the job (e.g. its stale poll failed) is the new owner's business.
      if (err instanceof LostOwnershipError || !(await ensureOwner().then(() => true, () => false))) {
        lost = true;
        log.warn("lost ownership of the job; another worker continues it");
        throw err instanceof LostOwnershipError ? err : new LostOwnershipError(jobId);
      }
      if (shutdown.signal.aborted) {
        log.info({ state }, "handing job back on shutdown");
        await job.updateData({ ...payload, state: { ...state, handedBack: true } });
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      }
      retrying = !isPermanent(job, err);
      return await fail(job, payload, progress, title, err, log);
    } finally {
      if (renew) clearInterval(renew);
      // The new owner of a lost job holds the target lock under the same job id: never release it from here.
      // A retry whose remote work may still run keeps the target (lease and guard): the next attempt re-attaches.
      // A job that ends with its remote work possibly running frees the lease but keeps the guard, so the next
      // job in line waits until AAP reports that work finished.
      if (payload.lockKey && !shutdown.signal.aborted && !lost && !(retrying && remoteLive)) {
        await locks.release(payload.lockKey, jobId, { keepRemote: remoteLive }).catch(() => {});
      }
    }
  };

  const fail = async (job: Job, payload: JobPayload, progress: ProgressMessage, title: string, err: unknown, log: WorkerDeps["log"]): Promise<never> => {
    const ref = refId();
    const attempts = job.opts.attempts ?? 1;
    const permanent = isPermanent(job, err);
    if (err instanceof UserError) log.info({ code: err.code, ref }, "job refused");
    else log.error({ err: errorFields(err), ref, attempt: job.attemptsMade + 1, permanent }, "job failed");
    if (!permanent) {
      await progress.now({ title, state: "running", lines: [`Attempt ${job.attemptsMade + 1} of ${attempts} failed; retrying. ${describeForUser(err, ref)}`] });
      throw withoutSecrets(err, deps.config.secrets);
    }
    await progress.finish(failure(title, describeForUser(err, ref))).catch((e) => log.error({ err: String(e) }, "final message lost"));
    await deps.audit.record({ event: "result", command: payload.command, jobId: job.id, target: payload.lockKey, detail: `error ref ${ref}` }).catch(() => {});
    if (!(err instanceof UserError)) deps.onJobFailed?.({ jobId: job.id!, command: payload.command, ref, error: err, payload });
    throw err instanceof UserError || err instanceof ApiError ? new UnrecoverableError(scrub(err.message, deps.config.secrets)) : withoutSecrets(err, deps.config.secrets);
  };

  const worker = new Worker(QUEUE_NAME, processJob, {
    connection: opts.connection,
    prefix: opts.prefix,
    concurrency: opts.concurrency ?? deps.config.limits.workerConcurrency,
    lockDuration,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: 10,
    autorun: true,
  });
  worker.on("error", (err) => deps.log.warn({ err: String(err) }, "worker connection error"));

  return {
    worker,
    locks,
    async close() {
      const closing = worker.close();
      shutdown.abort(new Error("worker shutting down"));
      await closing;
    },
  };
}

/** A failure that ends the job (no retry left, or a retry could not help). */
function isPermanent(job: Job, err: unknown): boolean {
  return err instanceof UserError || (err instanceof ApiError && !err.retryable) || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
}

/**
 * BullMQ stores a thrown error's message and stack in Redis (failedReason, stacktrace; shown on the dashboard).
 * An upstream may echo the credential it was sent in its error body, which ApiError keeps as its reason: scrub
 * every configured secret before the error leaves the worker.
 */
function withoutSecrets(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof Error) || !secrets.length) return err;
  err.message = scrub(err.message, secrets);
  if (err.stack) err.stack = scrub(err.stack, secrets);
  return err;
}

function failure(title: string, text: string): Message {
  return { title, state: "failure", lines: [text] };
}

export { errorFields };
