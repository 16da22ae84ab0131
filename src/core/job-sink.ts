import type { Actor } from "./actor.ts";
import type { JobName } from "./job-names.ts";
import type { JobPayload, JobPayloadInput } from "./job-payload.ts";

export interface EnqueueResult {
  jobId: string;
  /** The same request was delivered before (platform retry, double click): no new job. */
  duplicate: boolean;
  /** With `waitReplicas`, how many replicas confirmed the job before the answer (Redis WAIT). */
  replicas?: number;
}

/** A queued, running or finished job as the acknowledgement path reads it (/status, /job, /cancel). */
export interface JobView {
  id?: string | undefined;
  data: Partial<JobPayload>;
  attemptsMade: number;
  /** When it was queued, started and finished (ms since the epoch). */
  timestamp: number;
  processedOn?: number | undefined;
  finishedOn?: number | undefined;
  returnvalue: unknown;
  failedReason: string;
  opts: { attempts?: number | undefined };
  getState(): Promise<string>;
  /** Refused when a worker has just taken the job (it is running then). */
  remove(): Promise<void>;
}

/** Reads of the job queue (Redis only, never a backend). */
export interface JobReader {
  getJob(id: string): Promise<JobView | undefined>;
  getJobs(states: ("active" | "waiting" | "delayed")[], start: number, end: number): Promise<JobView[]>;
  getJobCounts(...states: ("waiting" | "active" | "delayed" | "failed" | "completed")[]): Promise<Record<string, number>>;
}

/**
 * The port the acknowledgement path queues jobs through (`queue/job-queue.ts` implements it over BullMQ).
 * `enqueue` claims the request id, so a request delivered twice makes one job.
 */
export interface JobSink {
  /** False while the connection to the queue is down: the ack path says so at once. */
  readonly ready: boolean;
  enqueue(name: JobName, payload: JobPayloadInput, opts?: { uncapped?: boolean | undefined }): Promise<EnqueueResult>;
  /** A job removed before it ran no longer counts against its person's cap. */
  forget(actor: Pick<Actor, "platform" | "id">, jobId: string): Promise<void>;
  readonly queue: JobReader;
}
