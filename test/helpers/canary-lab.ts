import { randomBytes, randomUUID } from "node:crypto";
import type { Redis } from "ioredis";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import { createSlackBot, type SlackBot } from "../../src/bot/slack/create-slack-bot.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { mountAdminDashboard } from "../../src/http/admin-dashboard.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLab, type Lab } from "../../lab/create-lab.ts";
import { FakeProxmox } from "../../lab/proxmox/fake-proxmox.ts";
import { FakeSlack } from "../../lab/slack/fake-slack.ts";
import { createLogger } from "../../src/logger.ts";
import { LogCapture, REDIS_URL } from "./harness.ts";
import { MANIFEST_COMMANDS, OPS_GROUP, TEST_THROTTLE } from "./slack-harness.ts";

/** A unique, greppable value per secret. */
const canary = (name: string) => `CANARY${name}${randomBytes(9).toString("hex")}`;

/** Every secret labops reads from the environment, set to a canary (the Proxmox one split into its secret part too). */
export function canarySecrets() {
  const proxmoxSecret = canary("pvesecret");
  return {
    AAP_TOKEN: canary("aap"),
    NAUTOBOT_TOKEN: canary("nautobot"),
    PROXMOX_TOKEN: `labops@pve!bot=${proxmoxSecret}`,
    proxmoxSecret,
    TRUENAS_API_KEY: `1-${canary("truenas")}`,
    SLACK_BOT_TOKEN: `xoxb-${canary("slackbot")}`,
    SLACK_APP_TOKEN: `xapp-1-${canary("slackapp")}`,
    SLACK_SIGNING_SECRET: canary("slacksigning"),
    DISCORD_TOKEN: canary("discord"),
    ALERT_WEBHOOK_TOKEN: canary("webhook"),
    ADMIN_TOKEN: canary("admin"),
  };
}
export type CanarySecrets = ReturnType<typeof canarySecrets>;

export interface CanaryLab {
  secrets: CanarySecrets;
  lab: Lab;
  proxmox: FakeProxmox;
  slack: FakeSlack;
  labops: Labops;
  bot: SlackBot;
  alerting: Alerting;
  config: Config;
  logs: LogCapture;
  /** labops' HTTP server: /hooks/aap and /admin/queues. */
  base: string;
  /** Every value stored under the queue prefix in Redis (job hashes with data, failedReason, stacktrace; streams; strings). */
  redisDump(): Promise<string>;
  close(): Promise<void>;
}

/**
 * The whole of labops with every secret set to a canary: the fakes accept the canaries, Slack in Socket
 * Mode (Alice is an admin), alerts to #alerts, the webhook and the dashboard on an HTTP server.
 */
export async function createCanaryLab(): Promise<CanaryLab> {
  const secrets = canarySecrets();
  const lab = await createLab({ stepMs: 10, aap: { token: secrets.AAP_TOKEN }, nautobot: { token: secrets.NAUTOBOT_TOKEN }, truenas: { apiKey: secrets.TRUENAS_API_KEY } });
  const proxmox = new FakeProxmox({ token: secrets.PROXMOX_TOKEN, stepMs: 10 });
  const proxmoxUrl = await proxmox.start();
  const slack = new FakeSlack({
    botToken: secrets.SLACK_BOT_TOKEN, appToken: secrets.SLACK_APP_TOKEN, signingSecret: secrets.SLACK_SIGNING_SECRET,
    usergroups: [{ id: OPS_GROUP, handle: "homelab-ops", users: ["U0ALICE"] }], limits: { timeScale: 0.05 }, pingIntervalMs: 500, commands: MANIFEST_COMMANDS,
  });
  const apiUrl = await slack.start();
  const { proxmoxSecret: _unused, ...env } = secrets;
  const config = loadConfig({
    ...lab.env, ...env, PROXMOX_URL: proxmoxUrl, REDIS_URL, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: `t-${randomUUID().slice(0, 8)}`,
    SLACK_MODE: "socket", SLACK_API_URL: apiUrl, SLACK_ALERT_CHANNEL: "C0ALERTS", DISCORD_APP_ID: "100000000000000001", DISCORD_GUILD_ID: "100000000000000002",
    LABOPS_ADMINS: "slack:U0ALICE",
  });
  config.limits.cooldown = 0;
  // Tests drive many commands as one person; the budget and the queued-jobs cap have their own tests.
  config.limits.commandsPerMinute = 0;
  config.limits.queuedJobsPerPerson = 0;
  config.limits.progressEditInterval = 20;
  config.limits.retryBackoff = 50;
  config.aapSettings.pollInterval = 20;
  const logs = new LogCapture();
  const log = createLogger({ level: "debug", secrets: config.secrets, destination: logs });
  const notifiers = new NotifierRegistry();
  let alerting: Alerting | undefined;
  const labops = createLabops({ config, log, notifiers, probe: lab.probe, worker: { lockRetryMs: 100 }, onJobFailed: (i) => alerting?.onJobFailed(i) });
  await labops.ready();
  const bot = createSlackBot({ config: config.slack!, ack: labops.ack, log, notifiers, throttle: TEST_THROTTLE, retryConfig: { retries: 0 }, socketPingTimeoutMs: 1_000, groupsRefreshMs: 60_000 });
  await bot.start();
  const http = new HttpServer(log);
  alerting = createAlerting({
    config, log, redis: labops.redis, prefix: config.redis.prefix, notifier: notifiers, actions: labops.ack.actions, commands: labops.ack.commands, aap: labops.clients.aap,
    channels: [{ platform: "slack", channel: "C0ALERTS" }], pollIntervalMs: 60_000, webhookToken: config.http.alertWebhookToken,
    groupWindowMs: 0, eventWaitMs: 200, retryDelaysMs: [20],
  });
  alerting.addRoutes(http);
  mountAdminDashboard(http, { queues: [labops.queue.queue], token: config.http.adminToken, log });
  const base = await http.listen(0, "127.0.0.1");
  labops.startWorker();
  const redis: Redis = labops.redis;
  return {
    secrets, lab, proxmox, slack, labops, bot, alerting, config, logs, base,
    async redisDump() {
      const keys = (await redis.keys(`${config.redis.prefix}:*`)).sort();
      const parts: string[] = [];
      for (const key of keys) {
        const type = await redis.type(key);
        if (type === "string") parts.push(key, String(await redis.get(key)));
        else if (type === "hash") parts.push(key, JSON.stringify(await redis.hgetall(key)));
        else if (type === "list") parts.push(key, JSON.stringify(await redis.lrange(key, 0, -1)));
        else if (type === "set") parts.push(key, JSON.stringify(await redis.smembers(key)));
        else if (type === "zset") parts.push(key, JSON.stringify(await redis.zrange(key, 0, -1)));
        else if (type === "stream") parts.push(key, JSON.stringify(await redis.xrange(key, "-", "+")));
      }
      return parts.join("\n");
    },
    async close() {
      await alerting?.stop();
      await bot.stop();
      await labops.queue.queue.obliterate({ force: true }).catch(() => {});
      await redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${config.redis.prefix}:*`).catch(() => {});
      await labops.close();
      await http.close();
      await slack.close();
      await proxmox.close();
      await lab.close();
    },
  };
}
