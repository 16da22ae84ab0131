import type { Redis } from "ioredis";
import type { AapClient } from "../clients/aap.ts";
import type { Config } from "../config.ts";
import type { ActionStore } from "../core/action-store.ts";
import { strictest, type ChannelRef } from "../core/actor.ts";
import { allowsRelaunch, roleFor } from "../core/command.ts";
import type { CommandRegistry } from "../core/command-registry.ts";
import { correlationOf, LaunchRecords } from "../core/launch-records.ts";
import type { Notifier } from "../core/notifier.ts";
import { describeForUser } from "../errors.ts";
import { formatTime } from "../core/format.ts";
import type { HttpServer } from "../http/http-server.ts";
import type { Logger } from "../logger.ts";
import { jobPayloadSchema } from "../core/job-payload.ts";
import type { JobFailure } from "../core/job-run.ts";
import { failureFromJob, loadAapFailure, type AapFailure } from "./aap-failure.ts";
import { AapPoller } from "./aap-poller.ts";
import { addAapWebhookRoute, type AapNotification } from "./aap-webhook-route.ts";
import { muteButton, relaunchButton, rerunButton, showLogButton } from "./alert-actions.ts";
import { renderAapFailure, renderWorkerFailure, summarizeAap, type AlertItem } from "./alert-message.ts";
import { AlertService, type AlertOutcome, type ButtonSpec } from "./alert-service.ts";
import { AlertStore } from "./alert-store.ts";
import { templateCommand } from "./mute-role.ts";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

export interface AlertingOptions {
  config: Config;
  log: Logger;
  /** The producer connection (fails fast when Redis is down). */
  redis: Redis;
  /** Redis key prefix: `config.redis.prefix` (the alert.mute job writes under it); keys live under `<prefix>:alert:`. */
  prefix: string;
  notifier: Notifier;
  actions: ActionStore;
  /** The chat commands (`labops.ack.commands`): a failed job labops launched offers a relaunch or its command again. Without it, neither. */
  commands?: CommandRegistry | undefined;
  /** Without it, alerts carry only what the notification says, there are no AAP buttons, and nothing is polled. */
  aap?: AapClient | undefined;
  /** Where alerts go: Slack SLACK_ALERT_CHANNEL, Discord DISCORD_ALERT_CHANNEL, the terminal in the demo. */
  channels: ChannelRef[];
  /** Reconciliation poll interval (`config.alerts.pollIntervalMs`, ALERT_POLL_INTERVAL, default 2 min). */
  pollIntervalMs: number;
  /** ALERT_WEBHOOK_TOKEN (`config.http.alertWebhookToken`); without it POST /hooks/aap refuses everything. */
  webhookToken?: string | undefined;
  /** Failures of one template within this window edit one message (default 10 min; 0: no grouping). */
  groupWindowMs?: number | undefined;
  /** How long the Mute button silences a template (default 1 h). */
  muteMs?: number | undefined;
  /** How long a failure is remembered as alerted (default 7 days). */
  dedupeTtlMs?: number | undefined;
  /** How long to wait for AAP's `event_processing_finished` before reading failed tasks (default 10 s). */
  eventWaitMs?: number | undefined;
  /** How far before the watermark each poll re-reads (default 60 s). */
  overlapMs?: number | undefined;
  /** Pauses between tries of a chat post or edit (default 250 ms, 1 s). */
  retryDelaysMs?: number[] | undefined;
}

export interface Alerting {
  /** Mounts POST /hooks/aap (AAP's webhook notification). */
  addRoutes(server: HttpServer): void;
  /** Pass as `onJobFailed` to the worker (createLabops option): a labops job that failed for good. */
  onJobFailed: (info: JobFailure) => void;
  /** Starts the reconciliation poller (polls at once, then every interval). No-op without an AAP client. */
  start(): void;
  /** Stops the poller and waits for alerts still being posted. */
  stop(): Promise<void>;
  /** One reconciliation pass (tests, or an admin command). Never throws. */
  pollOnce(): Promise<void>;
  /** Resolves when every alert started in the background (webhook follow-ups, worker failures) has finished. */
  settled(): Promise<void>;
}

/**
 * Failure alerts, posted to the alert channels with what to do next:
 * - AAP jobs that end failed/error/canceled, from AAP's webhook (POST /hooks/aap) and from a reconciliation
 *   poller (the webhook is unsigned and sent once), together producing one alert per AAP job;
 * - labops jobs that fail for good in the worker, carrying the reference id of the worker's log line.
 * Repeated failures of one template within the window edit one message with a count. Buttons: Show log,
 * Relaunch failed hosts (only for a job labops launched, of a command that allows it) or Run /<command> again, Mute
 * (see alert-actions.ts; their jobs are in queue/processors/alert-processors.ts).
 *
 * The composition root passes: config, log, redis (producer), prefix (config.redis.prefix), the notifier
 * registry, the ActionStore, the AAP client, the alert channels, config.alerts.pollIntervalMs and
 * config.http.alertWebhookToken; then calls addRoutes(httpServer) and start() in the process that serves HTTP,
 * and passes onJobFailed to the worker. Run the poller in one process (dedupe makes a second one harmless).
 */
export function createAlerting(o: AlertingOptions): Alerting {
  const groupWindowMs = o.groupWindowMs ?? 10 * 60_000;
  const muteMs = o.muteMs ?? HOUR;
  const store = new AlertStore(o.redis, o.prefix, { dedupeTtlMs: o.dedupeTtlMs ?? 7 * DAY, staleClaimMs: 5 * 60_000, maintenance: o.config.alerts.maintenance });
  const service = new AlertService({ log: o.log, notifier: o.notifier, actions: o.actions, store, channels: o.channels, groupWindowMs, retryDelaysMs: o.retryDelaysMs });
  const background = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>) => {
    const t = p.catch(() => {}).finally(() => background.delete(t));
    background.add(t);
  };

  const launches = new LaunchRecords(o.redis, o.prefix);
  const aapButtons = async (f: AapFailure): Promise<ButtonSpec[]> => {
    const out: ButtonSpec[] = [];
    if (o.aap && !f.missing) out.push(showLogButton(f.id, f.template, 7 * DAY));
    if (o.aap && !f.missing) out.push(...(await againButtons(f)));
    out.push(muteButton(`aap:${f.template}`, f.template, muteMs, 7 * DAY, commandRole(templateCommand(o.config, f.template))));
    return out;
  };

  /** The role of a command, if labops has it (muting its failures needs that role too). */
  const commandRole = (name: string | undefined) => (name ? o.commands?.get(name)?.def.requires : undefined);

  /**
   * What may run a failed job again. Only a job labops launched (its launch record, and the job carries the
   * record's correlation id) of a command that still exists: "Relaunch failed hosts" when the command allows
   * it and AAP can relaunch only the failed hosts; otherwise "Run /<command> again", which is that command typed
   * anew (preview and confirmation included). Nothing for a job launched outside labops.
   */
  const againButtons = async (f: AapFailure): Promise<ButtonSpec[]> => {
    const rec = await launches.get(f.id).catch(() => undefined);
    if (!rec || rec.template !== f.template || !o.commands) return [];
    if (rec.correlation !== undefined && correlationOf(f.extraVars) !== rec.correlation) {
      o.log.warn({ aapJob: f.id, command: rec.command }, "launch record does not match the AAP job's correlation id; no relaunch offered");
      return [];
    }
    const cmd = o.commands.get(rec.command);
    if (!cmd) return [];
    // The role of the command with the arguments it ran with (/deploy --allow-elevated needs admin).
    const requires = strictest("operator", roleFor(cmd.def, rec.args));
    if (allowsRelaunch(cmd.def) && f.status === "failed" && f.failedHosts.length > 0) {
      return [relaunchButton({ aapJob: f.id, template: f.template, command: cmd.def.name, lockKey: rec.lockKey, requires, ttlMs: DAY })];
    }
    // The command's own arguments when the job was queued with them (a cleanup's execute job holds its plan: a fresh preview then).
    const args = cmd.def.args.safeParse(rec.args).success ? rec.args : cmd.def.args.safeParse({}).success ? {} : undefined;
    return args ? [rerunButton({ aapJob: f.id, template: f.template, command: cmd.def.name, args, requires, ttlMs: DAY })] : [];
  };

  /** An AAP job labops' own /cancel stopped ended as asked: no alert (the launch records hold the cancel mark). */
  const canceledByLabops = async (seed: AapFailure): Promise<boolean> => {
    if (seed.status !== "canceled") return false;
    const by = await launches.canceledBy(seed.id);
    if (by !== undefined) o.log.info({ aapJob: seed.id, by }, "aap job canceled through labops; no alert");
    return by !== undefined;
  };

  const alertAap = async (seed: AapFailure, source: "webhook" | "poll"): Promise<AlertOutcome> => {
    if (await canceledByLabops(seed)) return "done";
    return service.raise(`aap:${seed.id}`, async () => {
      const f = await loadAapFailure(o.aap, seed, { eventWaitMs: o.eventWaitMs ?? 10_000, tailLines: 15 });
      const url = o.aap && !f.missing ? o.aap.jobUrl(f.id) : f.url;
      const link = url ? { label: `AAP job ${f.id}`, url } : undefined;
      const buttons = await aapButtons(f);
      const again = buttons.find((b) => b.kind === "alert-relaunch" || b.kind === "alert-rerun");
      const message = renderAapFailure(f, link, again?.kind === "alert-relaunch" ? { kind: "relaunch" } : again ? { kind: "rerun", command: String(again.payload.command) } : undefined, o.config.timeZone);
      const scopes = aapScopes(o.config, f);
      const target = cardTarget(scopes, deployLock(o.config, f) !== undefined);
      const item: AlertItem = { group: `aap:${f.template}`, card: target ? `aap:${f.template}|${target}` : undefined, subject: f.template, target: target?.replace(/^[a-z]+:/, ""),
        key: `aap:${f.id}`, shortId: String(f.id), summary: summarizeAap(f), message, scopes,
        requires: strictest("operator", commandRole(templateCommand(o.config, f.template))) };
      o.log.info({ aapJob: f.id, status: f.status, source }, "aap failure alert prepared");
      return { item, buttons };
    });
  };

  const poller = o.aap
    ? new AapPoller({
        aap: o.aap, store, log: o.log, intervalMs: o.pollIntervalMs, overlapMs: o.overlapMs ?? 60_000,
        onFailedJob: async (job) => ((await alertAap(failureFromJob(job), "poll")) === "in-flight" ? "pending" : "handled"),
      })
    : undefined;

  const onJobFailed: Alerting["onJobFailed"] = (info) => {
    const p = jobPayloadSchema.safeParse(info.payload);
    const args = p.success ? JSON.stringify(p.data.args) : undefined;
    const message = renderWorkerFailure({
      jobId: info.jobId, command: info.command, ref: info.ref, text: describeForUser(info.error, info.ref),
      actor: p.success ? p.data.actor.name : undefined, args: args && args !== "{}" ? args.slice(0, 200) : undefined,
      at: formatTime(Date.now(), o.config.timeZone),
    });
    const scopes = p.success ? argScopes(p.data.args) : [];
    const target = cardTarget(scopes, scopes.some((s) => s.startsWith("app:")));
    const item: AlertItem = { group: `labops:${info.command}`, card: target ? `labops:${info.command}|${target}` : undefined, subject: `/${info.command}`, target: target?.replace(/^[a-z]+:/, ""),
      key: `worker:${info.jobId}`, shortId: info.jobId, summary: `job ${info.jobId} (ref ${info.ref})`, message,
      scopes, requires: strictest("operator", commandRole(info.command), p.success ? p.data.requires : undefined) };
    const buttons = [muteButton(item.group, item.subject, muteMs, 7 * DAY, commandRole(info.command))];
    track(service.raise(item.key, async () => ({ item, buttons })).catch((err: unknown) =>
      o.log.error({ jobId: info.jobId, ref: info.ref, err: String(err) }, "worker failure alert not delivered")));
  };

  const settled = async () => {
    while (background.size) await Promise.all([...background]);
  };

  return {
    addRoutes(server) {
      addAapWebhookRoute(server, {
        token: o.webhookToken, log: o.log,
        onFailure: (n) => track(alertAap(fromNotification(n), "webhook").catch((err: unknown) =>
          o.log.error({ aapJob: n.id, err: String(err) }, "webhook alert not delivered; the poller will retry it"))),
      });
    },
    onJobFailed,
    start() {
      if (!poller) o.log.warn("aap is not configured: no reconciliation poller, AAP failures are alerted only from webhooks");
      poller?.start();
    },
    async stop() {
      await poller?.stop();
      await settled();
    },
    async pollOnce() {
      await poller?.pollOnce();
    },
    settled,
  };
}

function fromNotification(n: AapNotification): AapFailure {
  const failedHosts = Object.entries(n.hosts ?? {}).filter(([, h]) => h.failed || (h.failures ?? 0) > 0 || (h.dark ?? 0) > 0).map(([name]) => name);
  return {
    id: n.id, template: n.name, status: n.status, createdBy: n.created_by ?? undefined, limit: n.limit ?? "",
    url: n.url && /^https?:\/\//.test(n.url) ? n.url : undefined,
    extraVars: n.extra_vars ?? undefined, finished: n.finished ?? undefined, failedHosts, failedTasks: [],
  };
}

/** What mutes an AAP failure besides its template: the app it deployed, the hosts that failed and its limit. */
function aapScopes(config: Config, f: AapFailure): string[] {
  const app = deployLock(config, f)?.slice("app:".length);
  const hosts = new Set([...f.failedHosts, ...f.limit.split(/[,:]/).map((h) => h.trim()).filter((h) => /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(h))]);
  return [...(app ? [`app:${app}`] : []), ...[...hosts].map((h) => `host:${h}`)];
}

/**
 * What one alert card is about besides its template or command: the app (a deploy), else the hosts
 * (`host:a,b`). Failures of one template for another app or other hosts get their own card.
 */
function cardTarget(scopes: readonly string[], byApp: boolean): string | undefined {
  const app = scopes.find((s) => s.startsWith("app:"));
  if (byApp && app) return app;
  const hosts = scopes.filter((s) => s.startsWith("host:")).map((s) => s.slice("host:".length)).sort();
  return hosts.length ? `host:${hosts.join(",")}` : app;
}

/** A labops job's app and host arguments, as mute scopes. */
function argScopes(args: Record<string, unknown>): string[] {
  return (["app", "host"] as const).flatMap((k) => (typeof args[k] === "string" ? [`${k}:${String(args[k])}`] : []));
}

/** The app a Master Deploy job deployed, as its lock key (`app:<name>`, as deploy.ts makes it). */
function deployLock(config: Config, f: AapFailure): string | undefined {
  if (f.template !== config.aapSettings.templates.deploy || !f.extraVars) return undefined;
  try {
    const app = (JSON.parse(f.extraVars) as Record<string, unknown>).app;
    return typeof app === "string" && /^[a-z0-9][a-z0-9_-]*$/.test(app) ? `app:${app}` : undefined;
  } catch {
    return undefined;
  }
}
