import { createHash } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { UserError } from "../errors.ts";
import { jobPayloadSchema, type JobPayloadInput } from "./job-payload.ts";

export const QUEUE_NAME = "jobs";

export interface EnqueueResult {
  jobId: string;
  /** The same request was delivered before (platform retry, double click): no new job. */
  duplicate: boolean;
  /** With `waitReplicas`, how many replicas confirmed the job before the answer (Redis WAIT). */
  replicas?: number;
}

/** The job id is derived from the platform's request id, so a delivered-twice request makes one job. */
export function jobIdFor(requestId: string): string {
  const id = createHash("sha256").update(requestId).digest("hex").slice(0, 12);
  // BullMQ refuses custom ids that are integers ("Custom Id cannot be integers"): about 1 hash in 280 is all digits.
  return /^\d+$/.test(id) ? `a${id.slice(1)}` : id;
}

export class QueueUnavailableError extends UserError {
  constructor(options?: ErrorOptions & { uncertain?: boolean }) {
    super(
      "queue_unavailable",
      options?.uncertain
        ? "The job queue is answering too slowly (Redis took more than 2 s), so this request may not have been queued. Check `/status` before you try again."
        : "The job queue is unavailable right now (Redis is not answering), so nothing was queued. Try again in a minute.",
      options,
    );
  }
}

/**
 * The producer side, used on the acknowledgement path. Refuses at once when the connection to Redis is
 * down; gives up after `timeoutMs` (default 2 s, inside the platforms' 3 s) when Redis hangs.
 */
export class JobQueue {
  readonly queue: Queue;

  constructor(
    private readonly connection: Redis,
    opts: {
      prefix: string;
      attempts: number;
      backoffMs?: number | undefined;
      timeoutMs?: number | undefined;
      /** Replicas that must hold a new job before `enqueue` resolves (Redis WAIT); 0 = do not wait. */
      waitReplicas?: number | undefined;
      waitTimeoutMs?: number | undefined;
    },
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      connection,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: opts.attempts,
        backoff: { type: "exponential", delay: opts.backoffMs ?? 2_000 },
        removeOnComplete: { age: 86_400, count: 5_000 },
        removeOnFail: { age: 7 * 86_400, count: 5_000 },
      },
    });
    this.queue.on("error", () => {});
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
    this.prefix = opts.prefix;
    this.#waitReplicas = opts.waitReplicas ?? 0;
    this.#waitTimeoutMs = opts.waitTimeoutMs ?? 200;
  }
  readonly prefix: string;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  readonly #timeoutMs: number;

  get ready(): boolean {
    return this.connection.status === "ready";
  }

  async enqueue(name: string, payload: JobPayloadInput): Promise<EnqueueResult> {
    const data = jobPayloadSchema.parse(payload);
    if (!this.ready) throw new QueueUnavailableError();
    const jobId = jobIdFor(data.requestId);
    try {
      // The first delivery claims the request id; a repeat within a day is answered from the first.
      const claimed = await withTimeout(this.connection.set(`${this.prefix}:request:${jobId}`, name, "EX", 86_400, "NX"), this.#timeoutMs);
      if (claimed === null) return { jobId, duplicate: true };
      await withTimeout(this.queue.add(name, data, { jobId }), this.#timeoutMs);
      if (this.#waitReplicas > 0) {
        // Replication is asynchronous: a failover right after the answer could lose the job, so wait (bounded)
        // until a replica has it. Fewer replicas in time still answers "queued": the master has the job.
        const replicas = await withTimeout(this.connection.wait(this.#waitReplicas, this.#waitTimeoutMs), this.#timeoutMs);
        return { jobId, duplicate: false, replicas };
      }
      return { jobId, duplicate: false };
    } catch (err) {
      // A command the connection refused was never sent; a slow answer may still have been applied.
      const uncertain = err instanceof Error && err.message.startsWith("timed out");
      if (!uncertain) this.connection.del(`${this.prefix}:request:${jobId}`).catch(() => {});
      throw new QueueUnavailableError({ cause: err, uncertain });
    }
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
  });
}
