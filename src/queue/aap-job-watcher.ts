import { TERMINAL_JOB_STATUSES, type AapClient, type Job, type JobEvent } from "../clients/aap.ts";
import type { Logger } from "../logger.ts";

interface Waiter {
  jobId: number;
  afterCounter: number;
  resolve: (r: { job: Job; events: JobEvent[] }) => void;
  reject: (err: unknown) => void;
  signal: AbortSignal;
  onAbort: () => void;
}

export interface AapJobWatcherOptions {
  intervalMs: number;
  /** Job-event reads per poll, shared by all running jobs (terminal jobs first, then round robin). */
  eventBudget: number;
  log: Logger;
}

/**
 * Polls every AAP job this worker follows together: one `GET jobs/?id__in=…` per interval for all their
 * statuses, plus at most `eventBudget` job-event reads, given first to jobs that just finished and then in
 * turn. The cost per interval stays about 1 + eventBudget requests however many jobs run, instead of two
 * per job; progress of each job is then refreshed less often, which the chat edit budget requires anyway.
 */
export class AapJobWatcher {
  readonly #waiters: Waiter[] = [];
  readonly #lastStatus = new Map<number, string>();
  #cursor = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking = false;
  readonly stats = { ticks: 0, listRequests: 0, detailRequests: 0, eventRequests: 0 };

  constructor(
    private readonly aap: AapClient,
    private readonly opts: AapJobWatcherOptions,
  ) {}

  /** Resolves at the next poll with the job and its events after `afterCounter` (empty when not read this time). */
  next(jobId: number, afterCounter: number, signal: AbortSignal): Promise<{ job: Job; events: JobEvent[] }> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(signal.reason);
      const w: Waiter = {
        jobId, afterCounter, resolve, reject, signal,
        onAbort: () => {
          this.#remove(w);
          reject(signal.reason);
        },
      };
      signal.addEventListener("abort", w.onAbort, { once: true });
      this.#waiters.push(w);
      this.#schedule();
    });
  }

  stop(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer || this.#ticking) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#tick();
    }, this.opts.intervalMs);
    this.#timer.unref?.();
  }

  #remove(w: Waiter): void {
    const i = this.#waiters.indexOf(w);
    if (i >= 0) this.#waiters.splice(i, 1);
    w.signal.removeEventListener("abort", w.onAbort);
  }

  async #tick(): Promise<void> {
    const waiters = this.#waiters.splice(0);
    if (!waiters.length) return;
    this.#ticking = true;
    this.stats.ticks++;
    try {
      const ids = [...new Set(waiters.map((w) => w.jobId))].sort((a, b) => a - b);
      this.stats.listRequests++;
      const listed = new Map((await this.aap.listJobs({ id__in: ids.join(","), page_size: 200 })).map((j) => [j.id, j]));
      // Terminal jobs need the detail (event_processing_finished) and their last events: they go first.
      const finished = ids.filter((id) => TERMINAL_JOB_STATUSES.includes(listed.get(id)?.status ?? ""));
      const changed = ids.filter((id) => !finished.includes(id) && listed.get(id)?.status !== this.#lastStatus.get(id));
      const rest = ids.filter((id) => !finished.includes(id) && !changed.includes(id));
      const rotated = [...rest.slice(this.#cursor % Math.max(1, rest.length)), ...rest.slice(0, this.#cursor % Math.max(1, rest.length))];
      const selected = new Set([...finished, ...changed, ...rotated].slice(0, Math.max(this.opts.eventBudget, finished.length)));
      this.#cursor += Math.max(0, selected.size - finished.length - changed.length);
      const results = new Map<number, { job: Job; events: JobEvent[] }>();
      await Promise.all(ids.map(async (id) => {
        let job = listed.get(id);
        if (!job || finished.includes(id)) {
          this.stats.detailRequests++;
          job = await this.aap.getJob(id);
        }
        this.#lastStatus.set(id, job.status);
        let events: JobEvent[] = [];
        if (selected.has(id)) {
          this.stats.eventRequests++;
          const after = Math.min(...waiters.filter((w) => w.jobId === id).map((w) => w.afterCounter));
          events = await this.aap.jobEvents(id, { afterCounter: after });
        }
        results.set(id, { job, events });
      }));
      for (const w of waiters) {
        w.signal.removeEventListener("abort", w.onAbort);
        const r = results.get(w.jobId)!;
        w.resolve({ job: r.job, events: r.events.filter((e) => e.counter > w.afterCounter) });
      }
      for (const id of this.#lastStatus.keys()) if (!ids.includes(id)) this.#lastStatus.delete(id);
    } catch (err) {
      this.opts.log.debug({ err: err instanceof Error ? err.message : String(err) }, "aap poll failed");
      for (const w of waiters) {
        w.signal.removeEventListener("abort", w.onAbort);
        w.reject(err);
      }
    } finally {
      this.#ticking = false;
      if (this.#waiters.length) this.#schedule();
    }
  }
}
