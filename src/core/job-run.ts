import type { Logger } from "../logger.ts";
import type { JobPayload } from "./job-payload.ts";
import type { Message } from "./message.ts";

/** A running job's one chat message, edited in place (`queue/progress-message.ts` implements it). */
export interface ProgressSink {
  /** Shows `msg` soon; edits closer together than the platform allows are coalesced. */
  update(msg: Message): void;
  /** Shows `msg` now (waits for the edit). */
  now(msg: Message): Promise<void>;
}

/**
 * The part of a running job the domain uses: its arguments, what earlier attempts saved, its progress
 * message, and the fences around side effects. The worker (`queue/create-worker.ts`) provides it as the
 * processor's context; `D` is the dependencies a domain function takes from it.
 */
export interface JobRun<A = unknown, D = unknown> {
  args: A;
  payload: JobPayload;
  jobId: string;
  /** 1 on the first try; a retry or a re-pickup after a crash sees its earlier `state`. */
  attempt: number;
  log: Logger;
  /** Aborted when the worker shuts down (the job is handed back with its remote ids) or the job is canceled. */
  signal: AbortSignal;
  deps: D;
  /** What earlier attempts persisted: remote ids, the launch intent. */
  state: Record<string, unknown>;
  /** Persists into the job's data before returning; checks that this worker still owns the job. */
  save(patch: Record<string, unknown>): Promise<void>;
  /** Throws when another worker has taken the job over (after a pause past the lock). */
  ensureOwner(): Promise<void>;
  progress: ProgressSink;
  /**
   * Records remote work that may outlive this attempt (`aap:intent` just before a launch POST, then
   * `aap:<id>`): the job's target stays taken until the job ends AND the remote work is known finished.
   * Throws when the job no longer holds its target (nothing may be launched then).
   */
  holdRemote(remote: string): Promise<void>;
  /** The remote work recorded with holdRemote has finished (seen terminal): the target may be freed with the job. */
  remoteDone(): void;
}

/** A job that failed for good (after its retries), with the reference id the person was shown. */
export interface JobFailure {
  jobId: string;
  command: string;
  ref: string;
  error: unknown;
  payload: unknown;
}
