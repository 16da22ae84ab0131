import { fileURLToPath } from "node:url";
import { muteScopeRole } from "./alerts/mute-role.ts";
import type { Redis } from "ioredis";
import { AapClient } from "./clients/aap.ts";
import { GitHubClient } from "./clients/github.ts";
import { NautobotClient } from "./clients/nautobot.ts";
import { ProxmoxClient } from "./clients/proxmox.ts";
import { TrueNasClient } from "./clients/truenas/truenas-client.ts";
import { PLATFORM_GRANTS, type Config } from "./config.ts";
import { ActionStore } from "./core/action-store.ts";
import { FileCatalog, NautobotCatalog, type AppCatalog } from "./appcatalog/app-catalog.ts";
import { AUDIT_RECORD_LUA, AuditLog } from "./core/audit-log.ts";
import { RedisScript } from "./queue/redis-script.ts";
import { CommandRegistry } from "./core/command-registry.ts";
import type { AckDeps, ActionHandler } from "./core/dispatch.ts";
import { LookupCache, type LookupReader, type LookupSource } from "./core/lookup-cache.ts";
import { SurveyCache } from "./core/survey-cache.ts";
import { SecretBox } from "./core/secret-box.ts";
import { NotifierRegistry } from "./core/notifier.ts";
import { LaunchRecords } from "./core/launch-records.ts";
import { Permissions } from "./core/permissions.ts";
import { tcpProbe, type ServiceProbe } from "./core/service-probe.ts";
import { ACTION_HANDLERS } from "./handlers/actions.ts";
import { COMMANDS } from "./handlers/index.ts";
import type { Logger } from "./logger.ts";
import { LabopsMetrics } from "./metrics/labops-metrics.ts";
import type { Metrics } from "./metrics/metrics.ts";
import { observeWorker } from "./metrics/observe-worker.ts";
import { Admission } from "./queue/admission.ts";
import { createWorker, type LabopsWorker } from "./queue/create-worker.ts";
import { JobQueue } from "./queue/job-queue.ts";
import { PROCESSORS } from "./queue/processors/index.ts";
import { isRunner } from "./runner/runner-names.ts";
import { runnerStatusMessage } from "./runner/runner-view.ts";
import type { Resource } from "./clients/proxmox.ts";
import { formatTime } from "./core/format.ts";
import { alertsListMessage } from "./queue/processors/alerts-mutes.ts";
import { scheduleListMessage } from "./queue/processors/schedule-jobs.ts";
import { gitopsStatusMessage } from "./queue/processors/gitops-commands.ts";
import { TargetLocks } from "./queue/target-lock.ts";
import { AapJobWatcher } from "./queue/aap-job-watcher.ts";
import { createRedis } from "./queue/redis.ts";
import { createTimerWorker, Timers } from "./queue/timers.ts";
import { alertChannels } from "./alerts/alert-channels.ts";
import type { ChannelRef } from "./core/actor.ts";
import { createGitopsRuntime } from "./gitops/gitops-runtime.ts";
import { timerHandlers, upsertWatcherTimer } from "./queue/timer-handlers.ts";
import { ScheduleService } from "./schedules/schedule-service.ts";
import type { Worker } from "bullmq";
import { VersionStore } from "./core/version-store.ts";
import { VersionDetector } from "./versions/version-detector.ts";
import type { WorkerDeps } from "./queue/worker-deps.ts";
import { ApprovalPoller } from "./approvals/approval-poller.ts";
import { needsSecondPerson } from "./core/two-person.ts";
import { ApprovalStore } from "./approvals/approval-store.ts";
import { approvalChannels } from "./approvals/approval-channels.ts";

export const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

export interface LabopsOptions {
  config: Config;
  log: Logger;
  /** Front ends register their notifiers here before or after creation. */
  notifiers?: NotifierRegistry | undefined;
  /** Override the post-deploy probe (the simulated lab routes probes to its own listeners). */
  probe?: ServiceProbe | undefined;
  /** Worker tuning for tests (lock duration, stalled interval). */
  worker?: { lockDurationMs?: number; stalledIntervalMs?: number; lockRetryMs?: number } | undefined;
  onJobFailed?: WorkerDeps["onJobFailed"];
  metrics?: LabopsMetrics | undefined;
  /** Where the GitOps watcher's alerts go (default: SLACK_ALERT_CHANNEL, DISCORD_ALERT_CHANNEL). */
  alertChannels?: ChannelRef[] | undefined;
}

export interface Labops {
  config: Config;
  log: Logger;
  ack: AckDeps;
  queue: JobQueue;
  notifiers: NotifierRegistry;
  clients: Pick<WorkerDeps, "aap" | "nautobot" | "proxmox" | "truenas" | "github">;
  /** The backends' versions, detected in the background by the worker's process (see versions/). */
  versions: VersionStore;
  versionDetector: VersionDetector;
  catalog: AppCatalog;
  /** Names for autocomplete and "did you mean" at acknowledgement; started by the processes that run a front end. */
  lookups: LookupCache;
  /** The surveys /labops run checks at acknowledgement; started with the lookups. */
  surveys: SurveyCache;
  worker?: LabopsWorker | undefined;
  workerDeps: WorkerDeps;
  metrics: LabopsMetrics;
  redis: Redis;
  /** Resolves once the producer connection to Redis is up (or after `timeoutMs`, so a front end can start and report "queue unavailable"). */
  ready(timeoutMs?: number): Promise<boolean>;
  /** Whether the worker's Redis connection is up; undefined when this process runs no worker. */
  workerConnected(): boolean | undefined;
  /** Posts AAP's pending workflow approvals with Approve / Deny; started with the worker (undefined without AAP or with approvals.enabled false). */
  approvals?: ApprovalPoller | undefined;
  /** Starts the worker (for role all|worker). */
  startWorker(): LabopsWorker;
  close(): Promise<void>;
}

/** Builds the clients from config: a system without config gets no client, and its commands say so. */
export function createClients(config: Config, log: Logger, metrics?: Metrics): Labops["clients"] {
  const onError = (e: { service: string; status?: number | undefined; method: string; path: string }) => {
    metrics?.backendError(e.service, e.status);
    log.debug({ service: e.service, status: e.status, method: e.method, path: e.path }, "backend request failed");
  };
  const timeoutMs = config.limits.backendTimeout;
  return {
    aap: config.aap ? new AapClient({ url: config.aap.url, token: config.aap.token, apiPath: config.aap.apiPath, caPem: config.caPem, onError, timeoutMs }) : undefined,
    nautobot: config.nautobot ? new NautobotClient({ url: config.nautobot.url, token: config.nautobot.token, caPem: config.caPem, onError, timeoutMs }) : undefined,
    proxmox: config.proxmox ? new ProxmoxClient({ url: config.proxmox.url, token: config.proxmox.token, caPem: config.caPem, onError, timeoutMs }) : undefined,
    github: config.github ? new GitHubClient({ url: config.github.url, token: config.github.token, scope: config.github.scope, caPem: config.caPem, onError, timeoutMs }) : undefined,
    truenas: config.truenas ? new TrueNasClient({ url: config.truenas.url, apiKey: config.truenas.apiKey, username: config.truenas.username, caPem: config.caPem, onError, timeoutMs }) : undefined,
  };
}

/** The composition root shared by `npm start`, the demo and the tests. */
export function createLabops(opts: LabopsOptions): Labops {
  const { config, log } = opts;
  const prefix = config.redis.prefix;
  const producer = createRedis(config.redis, "producer");
  producer.on("error", (err) => log.debug({ err: String(err) }, "redis producer connection error"));
  const notifiers = opts.notifiers ?? new NotifierRegistry();
  const metrics = opts.metrics ?? new LabopsMetrics({ commands: COMMANDS.map((c) => c.name), defaultMetrics: false });
  const clients = createClients(config, log, metrics);
  const catalog: AppCatalog = clients.nautobot
    ? new NautobotCatalog(clients.nautobot)
    : new FileCatalog(`${REPO_ROOT}config_contexts/app_list.yml`);
  const queue = new JobQueue(producer, {
    prefix, attempts: config.limits.jobAttempts, backoffMs: config.limits.retryBackoff,
    waitReplicas: config.redis.waitReplicas, waitTimeoutMs: config.redis.waitTimeoutMs,
    queuedPerPerson: config.limits.queuedJobsPerPerson,
  });
  metrics.setQueue(queue.queue);
  const actions = new ActionStore(producer, prefix);
  const audit = new AuditLog(producer, prefix, config.audit.maxEntries, new RedisScript(AUDIT_RECORD_LUA));
  const commands = new CommandRegistry(COMMANDS);
  const versions = new VersionStore(producer, prefix);
  // The four versioned systems only (GitHub is a service, not a version labops supports or refuses).
  const versionDetector = new VersionDetector({ sources: { aap: clients.aap, nautobot: clients.nautobot, proxmox: clients.proxmox, truenas: clients.truenas }, store: versions, log, timeoutMs: config.limits.backendTimeout });
  const readers: Partial<Record<LookupSource, LookupReader>> = {
    apps: async (signal) => Object.keys(await catalog.apps({ signal, fresh: true })),
    ...(clients.nautobot ? { hosts: async (signal: AbortSignal) => (await clients.nautobot!.listHosts({ signal })).map((h) => h.name) } : {}),
    ...(clients.proxmox ? {
      nodes: async (signal: AbortSignal) => (await clients.proxmox!.nodes({ signal })).map((n) => n.node),
      runners: async (signal: AbortSignal) => {
        const prefix = config.proxmoxSettings.runnerPrefix;
        const rows = (await clients.proxmox!.resources({ signal })).filter((r) => isRunner(r, prefix));
        // Runner-named registrations left on GitHub without a container can still be destroyed (deregistered).
        const orphans = clients.github ? (await clients.github.listRunners({ signal }).catch(() => [])).map((r) => r.name).filter((n) => new RegExp(`^${prefix}\\d+$`).test(n)) : [];
        return { names: [...rows.map((r) => r.name ?? "").filter(Boolean), ...orphans], rows };
      },
    } : {}),
  };
  const lookups = new LookupCache(readers, log);
  // The surveys of the job templates /labops run may launch (workflow job templates are launched without one).
  const surveys = new SurveyCache(() => Object.entries(config.run.templates).filter(([, t]) => t.kind === "job").map(([n]) => n), async (name, signal) => {
    if (!clients.aap) return null;
    const t = await clients.aap.findJobTemplate(name, { signal });
    return t.survey_enabled ? await clients.aap.surveySpec(t.id, { signal }) : null;
  }, log);
  const secretBox = config.surveySecretKey ? new SecretBox(config.surveySecretKey) : undefined;
  const ack: AckDeps = {
    commands,
    jobs: queue,
    actions,
    permissions: new Permissions(config.permissions, config.admins, PLATFORM_GRANTS),
    audit,
    admission: new Admission(producer, prefix, {
      commandsPerMinute: config.limits.commandsPerMinute, commandBurst: config.limits.commandBurst, cooldownMs: config.limits.cooldown,
    }),
    log,
    confirmTtlMs: config.limits.confirmTtl,
    timeZone: config.timeZone,
    muteRole: (scope) => muteScopeRole(config, commands, scope),
    runTemplates: config.run.templates,
    surveys,
    secretBox,
    twoPerson: (command) => needsSecondPerson(config.twoPerson, command),
    actionHandlers: new Map<string, ActionHandler>(ACTION_HANDLERS.map((h) => [h.kind, h])),
    // /cancel frees a removed job's place: the line it frees is woken like a worker's release does.
    locks: new TargetLocks(producer, prefix, config.limits.lockLease, {
      maxWaiters: config.limits.lockWaiters,
      recheckMs: config.limits.lockRecheck,
      wake: async (ids) => void (await Promise.all(ids.map((id) => queue.queue.backend.promote(id).catch(() => {})))),
    }),
    versions,
    metrics,
    lookups,
    catalog,
  };
  const timers = new Timers(producer, prefix);
  // Read-only answers at acknowledgement (Redis and the background copies only): one private message, no job.
  ack.views = {
    "alerts list": () => alertsListMessage(producer, config),
    "schedule list": () => scheduleListMessage(workerDeps.schedules!, config.timeZone),
    "gitops status": async () => (gitops ? gitopsStatusMessage(gitops, config.timeZone) : undefined),
    "runner status": async () => {
      const copy = lookups.rows<Resource>("runners");
      if (!copy) return undefined;
      const msg = runnerStatusMessage(copy.rows, config.proxmoxSettings.runnerPrefix, Date.now() - copy.at);
      return { ...msg, footer: `As of ${formatTime(copy.at, config.timeZone)} (read every 5 min)` };
    },
  };
  const gitops = createGitopsRuntime({ config, log, redis: producer, notifier: notifiers, actions, jobs: queue, alertChannels: opts.alertChannels ?? alertChannels(config) });
  let workerRedis: Redis | undefined;
  let timerWorker: Worker | undefined;
  const workerDeps: WorkerDeps = {
    config, log, redis: producer, notifier: notifiers, actions, audit, catalog, ...clients,
    launches: new LaunchRecords(producer, prefix), commands,
    probe: opts.probe ?? tcpProbe(), onJobFailed: opts.onJobFailed, metrics, gitops,
    schedules: new ScheduleService({
      timers, redis: producer, prefix, ack, notifier: notifiers, log,
      minIntervalMs: config.schedules.minInterval, maxPerChannel: config.schedules.maxPerChannel,
    }),
    aapWatcher: clients.aap
      ? new AapJobWatcher(clients.aap, { intervalMs: config.aapSettings.pollInterval, eventBudget: config.aapSettings.eventsPerPoll, log })
      : undefined,
  };
  // Approvals go where approvals.channels says, else to the alert channels; with neither, nothing is polled.
  const approvalTargets = approvalChannels(config, opts.alertChannels ?? alertChannels(config));
  const approvals = clients.aap && config.approvals.enabled && approvalTargets.length
    ? new ApprovalPoller({
        aap: clients.aap, store: new ApprovalStore(producer, prefix), actions, notifier: notifiers, launches: workerDeps.launches, config, log,
        channels: approvalTargets, intervalMs: config.approvals.pollInterval,
      })
    : undefined;
  if (clients.aap && config.approvals.enabled && !approvalTargets.length) log.info("no approval channel (approvals.channels or an alert channel): AAP workflow approvals are not posted");
  const labops: Labops = {
    config, log, ack, queue, notifiers, clients, catalog, lookups, surveys, workerDeps, metrics, redis: producer, versions, versionDetector, approvals,
    async ready(timeoutMs = 5_000) {
      if (producer.status === "ready") return true;
      return new Promise<boolean>((resolve) => {
        const t = setTimeout(() => resolve(false), timeoutMs);
        producer.once("ready", () => (clearTimeout(t), resolve(true)));
      });
    },
    workerConnected() {
      return labops.worker ? workerRedis?.status === "ready" : undefined;
    },
    startWorker() {
      workerRedis ??= createRedis(config.redis, "worker");
      workerRedis.on("error", (err) => log.debug({ err: String(err) }, "redis worker connection error"));
      labops.worker = createWorker({ connection: workerRedis, prefix, processors: PROCESSORS, deps: workerDeps, ...opts.worker });
      observeWorker(labops.worker.worker, metrics);
      timerWorker = createTimerWorker({ connection: workerRedis, prefix, log, handlers: timerHandlers({ ack, worker: workerDeps }) });
      if (gitops) void upsertWatcherTimer(timers, gitops).catch((err) => log.warn({ err: String(err) }, "gitops watcher schedule not set; retried at the next start"));
      versionDetector.start(); // in the background: nothing waits on it
      approvals?.start();
      return labops.worker;
    },
    async close() {
      lookups.stop();
      surveys.stop();
      await versionDetector.stop();
      await approvals?.stop();
      await labops.worker?.close();
      await timerWorker?.close();
      workerDeps.aapWatcher?.stop();
      await timers.close();
      await gitops?.close();
      await queue.close();
      await clients.truenas?.close().catch(() => {});
      producer.disconnect();
      workerRedis?.disconnect();
    },
  };
  return labops;
}
