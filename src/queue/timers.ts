import { Queue, Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import type { TimerFiring, TimerRepeat, TimerStore } from "../core/timer-store.ts";
import type { Logger } from "../logger.ts";

export const TIMER_QUEUE = "timers";

export type { TimerFiring, TimerRepeat };

export type TimerHandler = (firing: TimerFiring, job: Job) => Promise<unknown>;

/**
 * Recurring work on BullMQ's job schedulers, in a queue of its own (`timers`), so a firing posts nothing by
 * itself: the handler decides. BullMQ makes one job per scheduler and due time, in Redis, whatever the number
 * of workers, and a job is processed by one worker; the schedule survives any process restart.
 */
export class Timers implements TimerStore {
  readonly queue: Queue;

  constructor(connection: Redis, prefix: string) {
    this.queue = new Queue(TIMER_QUEUE, {
      connection, prefix,
      defaultJobOptions: { attempts: 1, removeOnComplete: { age: 3_600, count: 1_000 }, removeOnFail: { age: 86_400, count: 1_000 } },
    });
    this.queue.on("error", () => {});
  }

  /** Creates or updates the scheduler `id` (idempotent: every worker may call it at start). */
  async upsert(id: string, repeat: TimerRepeat, name: string, data: Record<string, unknown>): Promise<void> {
    const opts = "everyMs" in repeat ? { every: repeat.everyMs } : { pattern: repeat.pattern, tz: repeat.tz };
    await this.queue.upsertJobScheduler(id, opts, { name, data });
  }

  async remove(id: string): Promise<boolean> {
    return this.queue.removeJobScheduler(id);
  }

  /** The next due time of scheduler `id`, or undefined when there is none. */
  async next(id: string): Promise<number | undefined> {
    const s = await this.queue.getJobScheduler(id);
    return s?.next ?? undefined;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

/** The worker side: one handler per job name; a firing whose handler throws is logged, and the next one comes anyway. */
export function createTimerWorker(o: { connection: Redis; prefix: string; log: Logger; handlers: Record<string, TimerHandler>; concurrency?: number | undefined }): Worker {
  const worker = new Worker(
    TIMER_QUEUE,
    async (job) => {
      const handler = o.handlers[job.name];
      if (!handler) throw new Error(`no timer handler for ${job.name}`);
      const schedulerId = job.repeatJobKey ?? "";
      const dueAt = Number(job.opts.prevMillis ?? job.timestamp);
      try {
        return await handler({ schedulerId, dueAt, data: (job.data ?? {}) as Record<string, unknown> }, job);
      } catch (err) {
        o.log.warn({ timer: job.name, schedulerId, err: err instanceof Error ? err.message : String(err) }, "timer handler failed");
        throw err;
      }
    },
    { connection: o.connection, prefix: o.prefix, concurrency: o.concurrency ?? 5, autorun: true },
  );
  worker.on("error", (err) => o.log.warn({ err: String(err) }, "timer worker connection error"));
  return worker;
}
