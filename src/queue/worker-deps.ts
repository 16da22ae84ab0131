import type { Redis } from "ioredis";
import type { AapClient } from "../clients/aap.ts";
import type { AapJobWatcher } from "./aap-job-watcher.ts";
import type { GitHubClient } from "../clients/github.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import type { ProxmoxClient } from "../clients/proxmox.ts";
import type { TrueNasClient } from "../clients/truenas/truenas-client.ts";
import type { Config } from "../config.ts";
import type { Notifier } from "../core/notifier.ts";
import type { JobFailure } from "../core/job-run.ts";
import type { ActionStore } from "../core/action-store.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { CommandRegistry } from "../core/command-registry.ts";
import type { LaunchRecords } from "../core/launch-records.ts";
import type { Logger } from "../logger.ts";
import type { TargetLocks } from "./target-lock.ts";
import type { Metrics } from "../metrics/metrics.ts";
import type { AppCatalog } from "../appcatalog/app-catalog.ts";
import type { ServiceProbe } from "../core/service-probe.ts";
import type { GitopsRuntime } from "../gitops/gitops-runtime.ts";
import type { ScheduleService } from "../schedules/schedule-service.ts";

/** Everything a processor may use, passed in by the composition root. A missing client means that system is not configured. */
export interface WorkerDeps {
  config: Config;
  log: Logger;
  redis: Redis;
  notifier: Notifier;
  actions: ActionStore;
  audit: AuditLog;
  catalog: AppCatalog;
  /** What labops launched in AAP (written after each launch; alerts and relaunches read it). */
  launches: LaunchRecords;
  /** The worker's target locks (set by createWorker): a cancel frees a removed job's target and wakes its line. */
  locks?: TargetLocks | undefined;
  /** The chat commands: a relaunch re-checks that the original command allows one. Absent: nothing is relaunched. */
  commands?: CommandRegistry | undefined;
  aap?: AapClient | undefined;
  /** Polls every AAP job this worker follows in one request per interval (see aap-job-watcher.ts). */
  aapWatcher?: AapJobWatcher | undefined;
  nautobot?: NautobotClient | undefined;
  proxmox?: ProxmoxClient | undefined;
  truenas?: TrueNasClient | undefined;
  /** GitHub, where runners are registered (absent without GITHUB_TOKEN): /runner destroy removes the runner there. */
  github?: GitHubClient | undefined;
  /** Post-deploy service probe; absent: services are listed, not probed. */
  probe?: ServiceProbe | undefined;
  metrics?: Metrics | undefined;
  /** The GitOps watcher's mirror, state and alerts (absent without GIT_REMOTE). */
  gitops?: GitopsRuntime | undefined;
  /** /schedule: schedules in Redis, timed by BullMQ job schedulers (the `timers` queue). */
  schedules?: ScheduleService | undefined;
  /** Called when a job fails for good (after its retries), with the reference id shown to the person. */
  onJobFailed?: ((info: JobFailure) => void) | undefined;
}
