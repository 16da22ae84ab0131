import type { JobName } from "../core/job-names.ts";
import type { Message } from "../core/message.ts";
import type { JobArgs } from "../jobs/job-table.ts";
import type { Logger } from "../logger.ts";
import type { JobPayload } from "../core/job-payload.ts";
import type { ProgressMessage } from "./progress-message.ts";
import type { ProcessorDeps, System } from "./systems.ts";
import type { WorkerDeps } from "./worker-deps.ts";

export interface ProcessorContext<A, D = WorkerDeps> {
  args: A;
  payload: JobPayload;
  jobId: string;
  /** 1 on the first try; a retry or a re-pickup after a crash sees its earlier `state`. */
  attempt: number;
  log: Logger;
  /** Aborted when the worker shuts down (the job is handed back with its remote ids) or the job is canceled. */
  signal: AbortSignal;
  /** The worker's dependencies, with only the systems the processor declared (`needs`, `uses`). */
  deps: D;
  /** What earlier attempts persisted: remote ids, the launch intent. */
  state: Record<string, unknown>;
  /** Persists into the job's data before returning; checks that this worker still owns the job. */
  save(patch: Record<string, unknown>): Promise<void>;
  /** Throws LostOwnershipError when another worker has taken the job over (after a pause past the lock). */
  ensureOwner(): Promise<void>;
  progress: ProgressMessage;
  /**
   * Records remote work that may outlive this attempt (`aap:intent` just before a launch POST, then
   * `aap:<id>`): the job's target stays taken until the job ends AND the remote work is known finished, through
   * retry backoff and worker crashes. Throws TargetLockLostError when the job no longer holds its target
   * (nothing may be launched then). A job without a target lock ignores it.
   */
  holdRemote(remote: string): Promise<void>;
  /** The remote work recorded with holdRemote has finished (seen terminal): the target may be freed with the job. */
  remoteDone(): void;
}

export interface ProcessorResult {
  outcome: "success" | "failure" | "canceled";
  message: Message;
  /** Recorded in the audit trail (remote ids, counts). */
  details?: Record<string, unknown> | undefined;
}

/**
 * One job kind, named after its job (`system.verb`, see `core/job-names.ts`). Its arguments' schema is the
 * job table's (`jobs/job-table.ts`): the worker parses them with it before `title` and `run` see them.
 * `needs`: the systems it cannot run without; the worker checks them once, before the job waits for its
 * target, and fails the job with one message naming what is not configured. `uses`: systems it uses when
 * they are configured (typed as optional). `run` sees those systems and no other.
 */
export interface Processor<N extends JobName = JobName, Need extends System = System, Use extends System = System> {
  name: N;
  needs: readonly Need[];
  uses?: readonly Use[] | undefined;
  /** The first message shown when the job starts. */
  title(args: JobArgs<N>): string;
  run(ctx: ProcessorContext<JobArgs<N>, ProcessorDeps<Need, Use>>): Promise<ProcessorResult>;
}

export function defineProcessor<N extends JobName, const Need extends System = never, const Use extends System = never>(p: Processor<N, Need, Use>): Processor<N, Need, Use> {
  return p;
}

export class LostOwnershipError extends Error {
  override name = "LostOwnershipError";
  constructor(jobId: string) {
    super(`job ${jobId} is no longer owned by this worker`);
  }
}

/** The job's target lock is held by another job: remote work must not start (the attempt is retried and waits in line). */
export class TargetLockLostError extends Error {
  override name = "TargetLockLostError";
  constructor(target: string) {
    super(`the lock on ${target} is no longer held by this job`);
  }
}
