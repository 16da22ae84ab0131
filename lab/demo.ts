/**
 * `npm run demo`: the simulated lab, bot and worker in one process, with a terminal chat.
 * Interactive: type commands. Piped: runs each line after the previous job ends, then exits
 * (0 only if every command succeeded).
 */
import { userInfo } from "node:os";
import { loadConfig } from "../src/config.ts";
import { ConsoleNotifier } from "../src/bot/console/console-notifier.ts";
import { runConsoleBot } from "../src/bot/console/console-bot.ts";
import { createLabops } from "../src/create-labops.ts";
import { createLab } from "./create-lab.ts";
import { labProfile, profileArg } from "./lab-profiles.ts";
import { redisServerInstalled, startPrivateRedis, type PrivateRedis } from "./private-redis.ts";
import { createLogger } from "../src/logger.ts";
import { redisAnswers, removeKeys } from "../src/queue/redis.ts";
import { TerminalOutput } from "../src/bot/console/terminal-output.ts";
import { NotifierRegistry } from "../src/core/notifier.ts";
import { randomBytes } from "node:crypto";
import { createAlerting } from "../src/alerts/create-alerting.ts";
import { HttpServer } from "../src/http/http-server.ts";
import { addHealthRoutes } from "../src/http/health-routes.ts";
import { addMetricsRoute } from "../src/metrics/metrics-route.ts";
import { readinessChecks, readinessVersions } from "../src/readiness-checks.ts";

async function main(): Promise<number> {
  const out = process.stdout;
  const interactive = process.stdin.isTTY === true;
  let redisUrl = process.env.REDIS_URL || "redis://127.0.0.1:6379";
  let privateRedis: PrivateRedis | undefined;
  if (!(await redisAnswers(redisUrl))) {
    if (!redisServerInstalled()) {
      process.stderr.write(`Nothing answers at ${redisUrl} and redis-server is not installed.\n` +
        "Install it (Debian/Ubuntu: sudo apt-get install redis-server; macOS: brew install redis) or set REDIS_URL, then run npm run demo again.\n");
      return 2;
    }
    privateRedis = await startPrivateRedis();
    redisUrl = privateRedis.url;
    process.stderr.write(`(no Redis at the default URL: started a private redis-server on ${redisUrl})\n`);
  }

  // labops' HTTP port first (health, metrics, POST /hooks/aap), so the fake AAP can send it webhooks.
  const log = createLogger({ level: process.env.LOG_LEVEL ?? "warn", destination: process.stderr });
  const http = new HttpServer(log);
  const webhookToken = process.env.ALERT_WEBHOOK_TOKEN || `demo-${randomBytes(12).toString("hex")}`;
  const httpUrl = await http.listen(Number(process.env.HTTP_PORT ?? 3000), "127.0.0.1").catch(() => http.listen(0, "127.0.0.1"));

  const profile = labProfile(profileArg(process.argv) ?? process.env.LAB_PROFILE);
  const lab = await createLab({
    profile,
    stepMs: Number(process.env.LAB_STEP_MS ?? 250),
    aap: { webhookUrl: `${httpUrl}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${webhookToken}` } },
  });
  const config = loadConfig({
    ...lab.env,
    REDIS_URL: redisUrl,
    LABOPS_CONFIG: process.env.LABOPS_CONFIG, // unset: config/labops.yaml if there is one
    LABOPS_QUEUE_PREFIX: `labops-demo-${process.pid}`,
    LOG_LEVEL: process.env.LOG_LEVEL ?? "warn",
    ALERT_WEBHOOK_TOKEN: webhookToken,
  });
  config.limits.cooldown = 0;
  // DEMO_POLL_MS: how often jobs look at AAP and Nautobot (a test runs the piped scripts faster than a person reads).
  const pollMs = Number(process.env.DEMO_POLL_MS ?? 500);
  config.limits.progressEditInterval = Math.min(1_000, pollMs * 2);
  config.aapSettings.pollInterval = pollMs;
  config.nautobotSettings.pollInterval = Math.min(config.nautobotSettings.pollInterval, pollMs);
  // The watcher reports in the terminal and checks often, so a commit (e.g. by /app add) is picked up in seconds.
  config.gitops.channel ??= "terminal:terminal";
  config.gitops.interval = Number(process.env.GITOPS_INTERVAL_MS ?? 3_000);
  // The simulated AAP's workflow that pauses for an approval, runnable with /labops run; approvals are polled every second.
  if (Object.keys(config.run.templates).length === 0) {
    config.run.templates = {
      "Deploy with Approval": { kind: "workflow", role: "operator", vars: ["app"], limit: true },
      // A job template with a survey (host, retention, repository password): its questions are checked, the password sealed.
      "Create Backup Job": { kind: "job", role: "operator", vars: [], limit: false },
    };
  }
  // Secret survey answers are sealed with this key (a fresh one each demo run unless SURVEY_SECRET_KEY is set).
  config.surveySecretKey ??= randomBytes(32);
  config.approvals.pollInterval = 1_000;
  // The terminal is one person: let them approve what they launched (in chat, someone else must).
  config.approvals.selfApproval = true;
  // On a terminal: a prompt with line editing and history, and output drawn above it (as `npm start -- --console`).
  const view = interactive ? new TerminalOutput(out) : out;
  const notifier = new ConsoleNotifier(view);
  const notifiers = new NotifierRegistry().register("terminal", notifier);
  let alerting: ReturnType<typeof createAlerting> | undefined;
  const alertChannel = { platform: "terminal" as const, channel: "alerts" };
  const labops = createLabops({ config, log, notifiers, probe: lab.probe, onJobFailed: (i) => alerting?.onJobFailed(i), alertChannels: [alertChannel] });
  alerting = createAlerting({
    config, log, redis: labops.redis, prefix: config.redis.prefix, notifier: notifiers, actions: labops.ack.actions, commands: labops.ack.commands, aap: labops.clients.aap,
    channels: [alertChannel], pollIntervalMs: config.alerts.pollIntervalMs, webhookToken,
  });
  addMetricsRoute(http, labops.metrics);
  alerting.addRoutes(http);
  await labops.ready();
  labops.startWorker();
  // The watcher's first check records the revision Nautobot has; later commits are then picked up and synced.
  await labops.workerDeps.gitops?.watcher.pollOnce().catch(() => {});
  // Names for "did you mean" before anything is queued, as in `npm start`; read once before the first line.
  labops.lookups.start();
  labops.surveys.start();
  await Promise.all([labops.lookups.refresh(), labops.surveys.refresh()]);
  addHealthRoutes(http, readinessChecks(labops), undefined, readinessVersions(labops));

  if (interactive) {
    out.write(`labops demo: a simulated homelab (AAP, Nautobot, Proxmox, TrueNAS) is running, profile ${profile.name}: ${profile.summary}.\n` +
      "Try: /deploy traefik   /deploy nextcloud   /labops app add homepage --image ghcr.io/gethomepage/homepage:v0.9.6 --host docker01\n" +
      "     /labops run \"Deploy with Approval\" --var app=grafana --host docker01   /click Approve\n" +
      "     /cleanup-ocp   /runner create   /seed-aap   /labops sync all   /labops gitops status   /labops status   /labops help   /deploy help   (Ctrl-D or Ctrl-C to quit)\n");
  }
  // On stderr, so piped output stays the chat alone.
  process.stderr.write(`labops HTTP: ${httpUrl}/healthz  ${httpUrl}/metrics  POST ${httpUrl}/hooks/aap (Authorization: Bearer ${webhookToken})\n`);
  const user = userInfo().username;
  const summary = await runConsoleBot({
    deps: labops.ack, notifier, queue: labops.queue.queue, input: process.stdin, sequential: !interactive,
    ...(interactive ? { terminal: { output: out, prompt: "demo> ", attach: (rl) => (view as TerminalOutput).attach(rl) } } : {}),
    actor: { platform: "terminal", id: user, name: user, groups: [] },
  });
  await alerting.settled();
  await alerting.stop();
  await labops.queue.queue.obliterate({ force: true }).catch(() => {});
  await removeKeys(labops.redis, config.redis.prefix).catch(() => {});
  await labops.close();
  await lab.close();
  await http.close();
  await privateRedis?.stop();
  out.write(`\n${summary.commands} command(s), ${summary.failures} failed.\n`);
  return summary.failures === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
