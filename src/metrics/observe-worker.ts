import type { Job, Worker } from "bullmq";
import type { JobOutcome, Metrics } from "./metrics.ts";

const PROCESSOR_OUTCOMES = new Set<JobOutcome>(["success", "failure", "canceled"]);

/**
 * Records `jobFinished` from the BullMQ worker's events, so create-worker.ts needs no metrics code:
 * `completed` gives the processor's outcome; `failed` is `retry` while BullMQ will try again and
 * `error` once the job has failed for good. Waits for a target lock (DelayedError) emit neither.
 * Returns a function that detaches the listeners.
 */
export function observeWorker(worker: Worker, metrics: Metrics): () => void {
  const elapsed = (job: Job) => (job.processedOn ? Date.now() - job.processedOn : 0);
  const onCompleted = (job: Job, result: unknown) => {
    const outcome = (result as { outcome?: unknown } | null)?.outcome;
    metrics.jobFinished(job.name, PROCESSOR_OUTCOMES.has(outcome as JobOutcome) ? (outcome as JobOutcome) : "success", elapsed(job));
  };
  const onFailed = (job: Job | undefined) => {
    // finishedOn is set only when BullMQ moved the job to failed (no attempts left, or unrecoverable).
    if (job) metrics.jobFinished(job.name, job.finishedOn ? "error" : "retry", elapsed(job));
  };
  worker.on("completed", onCompleted);
  worker.on("failed", onFailed);
  return () => {
    worker.off("completed", onCompleted);
    worker.off("failed", onFailed);
  };
}
