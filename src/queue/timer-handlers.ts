import type { AckDeps } from "../core/dispatch.ts";
import type { GitopsRuntime } from "../gitops/gitops-runtime.ts";
import type { TimerHandler, Timers } from "./timers.ts";
import type { WorkerDeps } from "./worker-deps.ts";

export const WATCHER_TIMER = "gitops-watch";

/** The watcher's job scheduler: one `gitops.poll` per interval across every worker (upserted by each at start). */
export function upsertWatcherTimer(timers: Timers, g: GitopsRuntime): Promise<void> {
  return timers.upsert(WATCHER_TIMER, { everyMs: g.settings.intervalMs }, "gitops.poll", {});
}

/** What each timer job does in a worker process. */
export function timerHandlers(d: { ack: AckDeps; worker: WorkerDeps }): Record<string, TimerHandler> {
  return {
    "gitops.poll": async () => {
      const g = d.worker.gitops;
      return g ? await g.watcher.pollOnce() : { kind: "off" };
    },
    "schedule.run": async (firing) => d.worker.schedules?.run(firing) ?? { kind: "off" },
  };
}
