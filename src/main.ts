/**
 * `npm start`: the composition root (`npm start -- --console`: the terminal chat instead, see console-main.ts). loadConfig → logger → Redis → clients → HTTP port → front ends and/or
 * worker (LABOPS_ROLE=all|bot|worker). SIGTERM/SIGINT stop taking work, hand running jobs back with their
 * remote ids (the next worker re-attaches), and exit within 10 s.
 */
import { loadConfig, loadDotEnv } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createLabops } from "./create-labops.ts";
import { addHealthRoutes } from "./http/health-routes.ts";
import { readinessChecks, readinessVersions } from "./readiness-checks.ts";
import { alertChannels } from "./alerts/alert-channels.ts";
import { HttpServer } from "./http/http-server.ts";
import { createLogger } from "./logger.ts";
import { LabopsMetrics } from "./metrics/labops-metrics.ts";
import { addMetricsRoute } from "./metrics/metrics-route.ts";
import { COMMANDS } from "./handlers/index.ts";
import { createAlerting, type Alerting } from "./alerts/create-alerting.ts";
import { createMattermostBot } from "./bot/mattermost/create-mattermost-bot.ts";
import { pino } from "pino";
import { RedisRateBudget } from "./queue/redis-rate-budget.ts";

async function main(): Promise<void> {
  let config;
  try {
    loadDotEnv();
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  if (process.argv.includes("--console")) {
    if (config.role !== "all") {
      process.stderr.write("--console runs the bot and the worker in one process: unset LABOPS_ROLE (or set it to all).\n");
      process.exit(2);
    }
    const { runConsole } = await import("./console-main.ts"); // only this mode loads the terminal front end
    process.exit(await runConsole(config));
  }
  const log = createLogger({ level: config.logLevel, secrets: config.secrets, ...(config.logFile ? { destination: pino.destination({ dest: config.logFile, mkdir: true, sync: false }) } : {}) });
  let alerting: Alerting | undefined;
  const labops = createLabops({
    config, log, metrics: new LabopsMetrics({ commands: COMMANDS.map((c) => c.name) }),
    onJobFailed: (info) => alerting?.onJobFailed(info),
  });
  const http = new HttpServer(log);
  addMetricsRoute(http, labops.metrics);

  const runsBot = config.role !== "worker";
  const runsWorker = config.role !== "bot";
  if (!(await labops.ready())) log.warn("redis is not answering yet; commands are refused until it does");

  // Chat platforms: the bot listens; a worker-only process still needs the notifiers to post progress.
  const frontEnds: { name: string; start(): Promise<void>; stop(): Promise<void> }[] = [];
  // Every bot and worker posting to one workspace spends one budget, kept in Redis (a 429 pauses them all).
  const chatBudget = new RedisRateBudget(labops.redis, config.redis.prefix);
  // Each role loads only what it uses: a worker posts through the platforms' Web APIs (@slack/web-api,
  // @discordjs/rest) and never loads Bolt, discord.js's gateway client or the dashboard.
  if (config.slack) {
    const throttle = { shared: { budget: chatBudget, scope: "slack" } };
    if (runsBot) {
      const { createSlackBot } = await import("./bot/slack/create-slack-bot.ts");
      const slack = createSlackBot({
        config: config.slack, ack: labops.ack, log, http, notifiers: labops.notifiers, metrics: labops.metrics, throttle,
        groupsRefreshMs: config.permissions.slackGroupsRefresh, groupsMaxAgeMs: config.permissions.slackGroupsMaxAge,
      });
      frontEnds.push({ name: "slack", start: () => slack.start(), stop: () => slack.stop() });
    } else {
      const { createSlackNotifier } = await import("./bot/slack/create-slack-notifier.ts");
      labops.notifiers.register("slack", createSlackNotifier({ config: config.slack, log, metrics: labops.metrics, throttle }).notifier);
    }
  }
  if (config.discord) {
    const throttle = { shared: { budget: chatBudget, scope: "discord" } };
    if (runsBot) {
      const [{ createDiscordBot }, { redisInteractionClaim }] = await Promise.all([import("./bot/discord/create-discord-bot.ts"), import("./bot/discord/interaction-claim.ts")]);
      const lookups = labops.lookups;
      const discord = createDiscordBot({
        config: config.discord, ack: labops.ack, log, metrics: labops.metrics, throttle,
        autocomplete: { apps: () => lookups.apps(), hosts: () => lookups.hosts(), nodes: () => lookups.nodes(), runners: () => lookups.runners() },
        // Two bot processes on one token both receive every interaction: one claim in Redis decides who answers.
        claimInteraction: redisInteractionClaim(labops.redis, config.redis.prefix),
      });
      labops.notifiers.register("discord", discord.notifier);
      frontEnds.push({ name: "discord", start: () => discord.start(), stop: () => discord.stop() });
    } else {
      const { createDiscordNotifier } = await import("./bot/discord/create-discord-notifier.ts");
      labops.notifiers.register("discord", createDiscordNotifier(config.discord, { metrics: labops.metrics, throttle }));
    }
  }
  if (config.mattermost) {
    // No SDK: the same small module serves a bot (routes on the HTTP port) and a worker (the notifier only).
    const mattermost = createMattermostBot({
      config: config.mattermost, ack: labops.ack, log, http, metrics: labops.metrics,
      throttle: { shared: { budget: chatBudget, scope: "mattermost" } },
    });
    labops.notifiers.register("mattermost", mattermost.notifier);
    if (runsBot) frontEnds.push({ name: "mattermost", start: () => mattermost.start(), stop: () => mattermost.stop() });
  }
  const mattermostAlerts = config.mattermost?.alertChannel ? [{ platform: "mattermost" as const, channel: config.mattermost.alertChannel }] : [];
  alerting = createAlerting({
    config, log, redis: labops.redis, prefix: config.redis.prefix, notifier: labops.notifiers, actions: labops.ack.actions, commands: labops.ack.commands,
    aap: labops.clients.aap, channels: [...alertChannels(config), ...mattermostAlerts], pollIntervalMs: config.alerts.pollIntervalMs,
    webhookToken: config.http.alertWebhookToken,
  });
  if (runsBot) {
    const { mountAdminDashboard } = await import("./http/admin-dashboard.ts");
    mountAdminDashboard(http, { queues: [labops.queue.queue], token: config.http.adminToken, log });
    alerting.addRoutes(http);
    alerting.start();
  }
  if (runsWorker) labops.startWorker();
  addHealthRoutes(http, readinessChecks(labops), undefined, readinessVersions(labops)); // after the worker: /readyz also checks its connection
  // Names for "did you mean" and autocomplete on every front end, read in the background (never on the ack path).
  if (runsBot) {
    labops.lookups.start();
    labops.surveys.start();
  }
  for (const f of frontEnds) await f.start();
  if (runsBot && !frontEnds.length) {
    log.warn("no chat platform is configured (SLACK_BOT_TOKEN, DISCORD_TOKEN or MATTERMOST_BOT_TOKEN): the bot only serves HTTP; try `npm run demo` for a terminal chat");
  }
  const url = await http.listen(config.http.port);
  log.info({ role: config.role, url, aap: !!config.aap, nautobot: !!config.nautobot, proxmox: !!config.proxmox, truenas: !!config.truenas,
    slack: !!config.slack, discord: !!config.discord, mattermost: !!config.mattermost }, "labops started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("shutdown took longer than 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    for (const f of frontEnds) await f.stop().catch((err) => log.warn({ err: String(err), frontEnd: f.name }, "front end did not stop cleanly"));
    await alerting?.stop();
    await labops.close();
    await http.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  process.stderr.write(`labops failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
