import type { JobName } from "../core/job-names.ts";
import { LostOwnershipError, TargetLockLostError } from "../errors.ts";
import type { Message } from "../core/message.ts";
import type { JobArgs } from "../jobs/job-table.ts";
import type { JobRun } from "../core/job-run.ts";
import type { ProgressMessage } from "./progress-message.ts";
import type { ProcessorDeps, System } from "./systems.ts";
import type { WorkerDeps } from "./worker-deps.ts";

/**
 * What a processor's `run` gets: core's JobRun (what the domain uses) over the worker's dependencies, with
 * the full progress message (`start`, `finish`) that only queue/ uses. Errors: `ensureOwner` throws
 * LostOwnershipError, `holdRemote` TargetLockLostError.
 */
export interface ProcessorContext<A, D = WorkerDeps> extends JobRun<A, D> {
  progress: ProgressMessage;
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

export { LostOwnershipError, TargetLockLostError };
