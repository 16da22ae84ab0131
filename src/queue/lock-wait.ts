import { TERMINAL_JOB_STATUSES, type AapClient } from "../clients/aap.ts";
import { ApiError } from "../errors.ts";
import type { LockAttempt, TargetLocks } from "./target-lock.ts";

/**
 * How often a job waiting behind a guard whose owner holds no lease checks again: that owner may be in its
 * backoff or crashed (it comes back and its release wakes the line) or gone for good (/cancel during a retry),
 * and then only AAP can tell when the target is free. One AAP status read per waiter per interval.
 */
export const GUARD_RECHECK_MS = 5_000;

/** How long a launch intent (`aap:intent`, no AAP id yet) keeps a target taken when its job does not come back. */
export const INTENT_GUARD_MS = 10 * 60_000;

/**
 * Acquires `target` for `jobId`. A lock that no worker holds but that another job's remote work still guards
 * (its AAP job may run: retry backoff, a crashed worker) stays taken until AAP says that job has finished; only
 * then is the guard dropped. AAP unreachable: the guard stays (fail closed).
 */
export async function acquireTarget(locks: TargetLocks, target: string, jobId: string, aap: AapClient | undefined, signal: AbortSignal): Promise<LockAttempt> {
  const got = await locks.acquire(target, jobId);
  if (got.acquired || got.remote === undefined) return got;
  if (await remoteMayRun(got.remote, got.remoteAt, aap, signal)) return got;
  await locks.clearRemote(target, got);
  return locks.acquire(target, jobId);
}

async function remoteMayRun(remote: string, at: number, aap: AapClient | undefined, signal: AbortSignal): Promise<boolean> {
  if (remote === "aap:intent") return Date.now() - at < INTENT_GUARD_MS;
  const id = /^aap:(\d+)$/.exec(remote)?.[1];
  if (!id || !aap) return true;
  try {
    const job = await aap.getJob(Number(id), { signal });
    return !TERMINAL_JOB_STATUSES.includes(job.status);
  } catch (err) {
    return !(err instanceof ApiError && err.status === 404);
  }
}

/** The line a waiting job shows; it changes only when the job's place in line (or the one ahead) changes. */
export function waitingLine(jobId: string, target: string, got: Exclude<LockAttempt, { acquired: true }>): string {
  const remote = got.remote !== undefined ? /^aap:(\d+)$/.exec(got.remote)?.[1] : undefined;
  const behind = got.remote === undefined
    ? `behind job \`${got.holder ?? "?"}\``
    : `behind job \`${got.holder}\`, whose ${remote ? `AAP job ${remote}` : "AAP launch"} may still be running`;
  return `Job \`${jobId}\` is waiting for \`${target}\`: ${behind}, position ${got.position} in line.`;
}
