import type { Redis } from "ioredis";
import type { Config } from "../config.ts";
import type { ActionStore } from "../core/action-store.ts";
import type { ChannelRef } from "../core/actor.ts";
import type { Notifier } from "../core/notifier.ts";
import type { Logger } from "../logger.ts";
import type { JobSink } from "../core/job-sink.ts";
import { GitMirror } from "./git-mirror.ts";
import { GitopsAlerts } from "./gitops-alerts.ts";
import { GitopsState } from "./gitops-state.ts";
import { GitopsWatcher } from "./gitops-watcher.ts";

/** The watcher and what its jobs share in one worker process: the local mirror, the Redis state, the alerts. */
export interface GitopsRuntime {
  watcher: GitopsWatcher;
  mirror: GitMirror;
  state: GitopsState;
  alerts: GitopsAlerts;
  /** The producer queue: sync jobs, and deploys when `gitops.autoDeploy` is on. */
  jobs: JobSink;
  settings: { remote: string; branch: string; appListPath: string; intervalMs: number; autoDeploy: boolean; channel: ChannelRef };
  close(): Promise<void>;
}

/** Parses `gitops.channel` (`slack:C0123`), falling back to the first alert channel. */
export function gitopsChannel(config: Config, alertChannels: readonly ChannelRef[]): ChannelRef | undefined {
  const raw = config.gitops.channel;
  if (raw) {
    const i = raw.indexOf(":");
    return { platform: raw.slice(0, i) as ChannelRef["platform"], channel: raw.slice(i + 1) };
  }
  return alertChannels[0];
}

/** Undefined when GIT_REMOTE is unset, `gitops.enabled` is false, or there is no channel to report in. */
export function createGitopsRuntime(o: {
  config: Config; log: Logger; redis: Redis; notifier: Notifier; actions: ActionStore; jobs: JobSink; alertChannels: ChannelRef[];
}): GitopsRuntime | undefined {
  const { config } = o;
  const remote = config.git.remote;
  if (!remote || !config.gitops.enabled) return undefined;
  const channel = gitopsChannel(config, o.alertChannels);
  const log = o.log.child({ component: "gitops" });
  if (!channel) {
    log.warn("gitops is enabled but has no channel (gitops.channel, or an alert channel): the watcher does not run");
    return undefined;
  }
  const branch = config.git.branch;
  const mirror = new GitMirror({ remote, branch });
  const state = new GitopsState(o.redis, config.redis.prefix);
  const alerts = new GitopsAlerts({
    redis: o.redis, prefix: config.redis.prefix, log, notifier: o.notifier, actions: o.actions,
    channels: o.alertChannels.length ? o.alertChannels : [channel], branch, maintenance: config.alerts.maintenance, timeZone: config.timeZone,
  });
  const watcher = new GitopsWatcher({ branch, channel, mirror, state, alerts, jobs: o.jobs, log });
  return {
    watcher, mirror, state, alerts, jobs: o.jobs,
    settings: { remote, branch, appListPath: config.git.appListPath, intervalMs: config.gitops.interval, autoDeploy: config.gitops.autoDeploy, channel },
    close: () => mirror.dispose(),
  };
}
