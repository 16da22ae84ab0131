import type { ActionStore } from "../core/action-store.ts";
import type { ChannelRef } from "../core/actor.ts";
import { formatTime } from "../core/format.ts";
import type { Notifier } from "../core/notifier.ts";
import type { Logger } from "../logger.ts";
import { muteButton } from "../alerts/alert-actions.ts";
import { AlertService, type AlertOutcome } from "../alerts/alert-service.ts";
import { AlertStore } from "../alerts/alert-store.ts";
import type { MaintenanceWindow } from "../alerts/mutes.ts";

const DAY = 86_400_000;

/**
 * The watcher's alerts, through the same alert service (dedupe, mutes, grouping) as AAP and worker failures.
 * Each is keyed so it is raised once: an outage by its start time, a force-push by the old and new revision,
 * a failed sync by its revision.
 */
export class GitopsAlerts {
  readonly #service: AlertService;
  readonly #branch: string;
  readonly #tz: string;

  constructor(o: { redis: import("ioredis").Redis; prefix: string; log: Logger; notifier: Notifier; actions: ActionStore; channels: ChannelRef[]; branch: string; maintenance?: readonly MaintenanceWindow[] | undefined; timeZone?: string | undefined }) {
    const store = new AlertStore(o.redis, o.prefix, { dedupeTtlMs: 7 * DAY, staleClaimMs: 5 * 60_000, maintenance: o.maintenance });
    this.#service = new AlertService({ log: o.log, notifier: o.notifier, actions: o.actions, store, channels: o.channels, groupWindowMs: 0 });
    this.#branch = o.branch;
    this.#tz = o.timeZone ?? "UTC";
  }

  unreachable(outageId: string, reason: string): Promise<AlertOutcome> {
    return this.#raise(`gitops:unreachable:${outageId}`, `remote unreachable since ${formatTime(Number(outageId), this.#tz)}`, {
      title: `GitOps: the Git remote is unreachable (${this.#branch})`,
      lines: [`git says: ${reason.slice(0, 300)}`, "labops keeps checking at every interval and says nothing more until it answers again; nothing is synced meanwhile."],
    });
  }

  forcePush(from: string, to: string): Promise<AlertOutcome> {
    return this.#raise(`gitops:force-push:${from}..${to}`, `force-push ${from.slice(0, 8)} → ${to.slice(0, 8)}`, {
      title: `GitOps: ${this.#branch} was force-pushed`,
      lines: [
        `The branch moved from \`${from.slice(0, 8)}\` to \`${to.slice(0, 8)}\`, which does not contain it: history was rewritten.`,
        "Nautobot and AAP are synced to the new revision as the branch now is; nothing is deployed automatically from it.",
      ],
    });
  }

  syncFailed(rev: string, jobId: string, why: string): Promise<AlertOutcome> {
    return this.#raise(`gitops:sync:${rev}`, `sync of ${rev.slice(0, 8)} failed (job ${jobId})`, {
      title: `GitOps: the sync of ${rev.slice(0, 8)} failed`,
      lines: [why.slice(0, 300), `Job \`${jobId}\`; run \`/labops sync all\` once the cause is fixed.`],
    });
  }

  async #raise(key: string, summary: string, m: { title: string; lines: string[] }): Promise<AlertOutcome> {
    const group = "labops:gitops"; // a labops group, so the Mute button (alert.mute) accepts it
    return this.#service.raise(key, async () => ({
      item: { group, subject: `GitOps ${this.#branch}`, key, shortId: key.split(":").pop()!.slice(0, 17), summary, scopes: [`template:gitops`], message: { ...m, state: "failure" } },
      buttons: [muteButton(group, `GitOps ${this.#branch}`, 3_600_000, 7 * DAY)],
    }));
  }
}
