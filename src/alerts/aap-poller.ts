import type { AapClient, Job } from "../clients/aap.ts";
import { ApiError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { IntervalLoop } from "../interval-loop.ts";
import type { AlertStore } from "./alert-store.ts";

export interface AapPollerOptions {
  aap: AapClient;
  store: AlertStore;
  log: Logger;
  intervalMs: number;
  /** Each poll also re-reads this far before the watermark (dedupe makes it free), for rows committed late. */
  overlapMs: number;
  /** Alerts one failed job; "handled" (alerted now or before, or muted) lets the watermark pass it. */
  onFailedJob: (job: Job) => Promise<"handled" | "pending">;
}

export interface PollResult {
  /** False when another process had this interval's poll (nothing was asked of AAP). */
  polled?: boolean | undefined;
  ok: boolean;
  jobs: number;
  watermark: string;
}

/**
 * The reconciliation poller: AAP's webhook is sent once and may be lost, so every `intervalMs` it lists
 * `jobs/?status__in=failed,error,canceled&finished__gt=<watermark>&order_by=finished` and alerts what was
 * not alerted yet. The watermark lives in Redis (first run: now minus one interval) and only moves past a
 * job once it is handled; when AAP does not answer it stays, and the next poll tries again. With several
 * processes, one of them polls per interval (`pollIfMine`).
 */
export class AapPoller {
  readonly #loop: IntervalLoop;

  constructor(private readonly o: AapPollerOptions) {
    this.#loop = new IntervalLoop(() => this.pollIfMine(), o.intervalMs);
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /**
   * One pass if this process wins the interval's slot in Redis, so N bots and workers make one AAP request per
   * interval between them, not N. Never throws; when Redis does not answer, nothing is polled this interval.
   */
  async pollIfMine(): Promise<PollResult> {
    // A little under one interval, so the next interval's first poller always finds the slot free.
    const mine = await this.o.store.claimPollSlot(this.o.intervalMs * 0.9).catch(() => false);
    if (!mine) return { polled: false, ok: true, jobs: 0, watermark: "" };
    return this.pollOnce();
  }

  /** One reconciliation pass. Never throws: a failure is logged and the watermark kept. */
  async pollOnce(): Promise<PollResult> {
    const { store, log } = this.o;
    let watermark = "";
    try {
      watermark = await store.initWatermark(new Date(Date.now() - this.o.intervalMs).toISOString());
      const since = new Date(Math.floor(micros(watermark) / 1000) - this.o.overlapMs).toISOString();
      const jobs = await this.o.aap.listJobs({ status__in: "failed,error,canceled", finished__gt: since, order_by: "finished" });
      let next = watermark;
      let blocked = false;
      for (const job of jobs) {
        if (!job.finished) continue;
        const r = await this.o.onFailedJob(job).catch((err: unknown) => {
          log.error({ aapJob: job.id, err: String(err) }, "alert for a polled failure not delivered; retried next poll");
          return "pending" as const;
        });
        if (r !== "handled") blocked = true;
        else if (!blocked && micros(job.finished) > micros(next)) next = job.finished;
      }
      if (next !== watermark) await store.setWatermark(next);
      log.debug({ jobs: jobs.length, watermark: next }, "aap failures polled");
      return { ok: true, jobs: jobs.length, watermark: next };
    } catch (err) {
      const why = err instanceof ApiError ? { service: err.service, status: err.status, reason: err.reason } : { err: String(err) };
      log.warn({ ...why, watermark }, "aap poll failed; watermark kept, trying again next interval");
      return { ok: false, jobs: 0, watermark };
    }
  }

}

/** Microseconds since the epoch of an ISO timestamp (`…123456Z`, `…123Z`, `+00:00`), so any precision compares. */
export function micros(iso: string): number {
  const frac = /\.(\d+)/.exec(iso)?.[1] ?? "";
  const ms = Date.parse(iso.replace(/\.\d+/, ""));
  return ms * 1000 + Number(frac.padEnd(6, "0").slice(0, 6));
}
