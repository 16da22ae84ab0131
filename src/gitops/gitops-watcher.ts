import type { Actor, ChannelRef } from "../core/actor.ts";
import { ApiError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { JobSink } from "../core/job-sink.ts";
import type { GitMirror } from "./git-mirror.ts";
import type { GitopsAlerts } from "./gitops-alerts.ts";
import type { GitopsState } from "./gitops-state.ts";

export const GITOPS_SYNC_JOB = "gitops.sync";
export const GITOPS_LOCK = "nautobot:git";

/** What one check found. */
export type PollOutcome =
  | { kind: "paused" }
  | { kind: "unreachable"; reason: string }
  | { kind: "baseline"; rev: string }
  | { kind: "unchanged"; rev: string }
  | { kind: "new"; from: string; to: string; forced: boolean; jobId: string; duplicate: boolean };

export interface GitopsWatcherOptions {
  branch: string;
  channel: ChannelRef;
  mirror: GitMirror;
  state: GitopsState;
  alerts: GitopsAlerts;
  jobs: JobSink;
  log: Logger;
}

/** Who the watcher's sync jobs run as: labops itself (the settings enabled it), never a chat user. */
export function watcherActor(channel: ChannelRef): Actor {
  return { platform: channel.platform, id: "labops-gitops", name: "GitOps watcher", groups: [] };
}

/**
 * One check of the watched branch (run by the `gitops.poll` job scheduler, once per interval across all workers,
 * or by `/gitops check`). A new head queues one `gitops.sync` job whose id comes from the revision pair, then
 * moves the last seen revision by compare-and-set: a second worker, or a retry after a crash between the two
 * steps, finds the job already queued. The first check only records the head.
 */
export class GitopsWatcher {
  constructor(readonly o: GitopsWatcherOptions) {}

  async pollOnce(signal?: AbortSignal): Promise<PollOutcome> {
    const { state, mirror, log } = this.o;
    const seen = await state.get();
    if (seen.paused) return { kind: "paused" };
    let head: string;
    try {
      head = await mirror.head(signal);
    } catch (err) {
      const reason = err instanceof ApiError ? err.reason : String(err);
      await state.checked(reason);
      const outage = await state.outage();
      log.warn({ branch: this.o.branch, reason }, "gitops remote unreachable");
      await this.o.alerts.unreachable(outage, reason).catch((e: unknown) => log.error({ err: String(e) }, "gitops alert not delivered"));
      return { kind: "unreachable", reason };
    }
    if (await state.endOutage()) log.info({ branch: this.o.branch }, "gitops remote reachable again");
    await state.checked();
    if (!seen.rev) {
      await state.advance(undefined, head);
      log.info({ rev: head }, "gitops baseline recorded");
      return { kind: "baseline", rev: head };
    }
    if (seen.rev === head) return { kind: "unchanged", rev: head };

    await mirror.fetch(signal);
    const forced = !(await mirror.isAncestor(seen.rev, head));
    if (forced) await this.o.alerts.forcePush(seen.rev, head).catch((e: unknown) => log.error({ err: String(e) }, "gitops alert not delivered"));
    const { jobId, duplicate } = await this.o.jobs.enqueue(GITOPS_SYNC_JOB, {
      command: "gitops sync", args: { from: seen.rev, to: head, forced }, actor: watcherActor(this.o.channel), channel: this.o.channel,
      requestId: `gitops:${seen.rev}..${head}`, lockKey: GITOPS_LOCK, enqueuedAt: Date.now(),
    }, { uncapped: true }); // the per-person cap is for people in chat, not for the watcher
    const moved = await state.advance(seen.rev, head, jobId);
    log.info({ from: seen.rev, to: head, forced, jobId, duplicate, moved }, "gitops new revision");
    return { kind: "new", from: seen.rev, to: head, forced, jobId, duplicate };
  }
}
