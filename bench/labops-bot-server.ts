/**
 * Child process for the ack benchmark: labops as LABOPS_ROLE=bot in Slack HTTP mode (createLabops +
 * createSlackBot, Bolt's HTTPReceiver mounted on labops' HttpServer at /slack/events), no worker.
 * argv[2]: JSON AckServerSpec.
 */
import { createSlackBot } from "../src/bot/slack/create-slack-bot.ts";
import { loadConfig } from "../src/config.ts";
import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops } from "../src/create-labops.ts";
import { HttpServer } from "../src/http/http-server.ts";
import { dropPrefix, fileLogger } from "./bench-env.ts";
import { healthHandler, serveParent } from "./child.ts";

export interface AckServerSpec {
  redisUrl: string;
  prefix: string;
  slackApiUrl: string;
  botToken: string;
  signingSecret: string;
  /** Slack user ids granted operator (the load rotates through them so the 5 s cooldown never refuses). */
  users: string[];
  /** Directory for the log file. */
  dir: string;
}

export interface AckServerReady {
  type: "ready";
  url: string;
}

const spec = JSON.parse(process.argv[2] ?? "{}") as AckServerSpec;
const config = loadConfig({
  REDIS_URL: spec.redisUrl, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: spec.prefix, LABOPS_ROLE: "bot",
  SLACK_MODE: "http", SLACK_BOT_TOKEN: spec.botToken, SLACK_SIGNING_SECRET: spec.signingSecret, SLACK_API_URL: spec.slackApiUrl,
});
config.permissions.grants = [{ role: "operator", slackUsers: spec.users, slackGroups: [], discordUsers: [], discordRoles: [], channels: [] }];
const log = fileLogger(spec.dir, "bot", config.secrets);
const notifiers = new NotifierRegistry();
const labops = createLabops({ config, log, notifiers });
if (!(await labops.ready())) throw new Error("redis is not answering");
const http = new HttpServer(log);
const base = await http.listen(0, "127.0.0.1");
const bot = createSlackBot({ config: config.slack!, ack: labops.ack, log, http, notifiers });
await bot.start();
serveParent({
  health: healthHandler(),
  counts: async () => labops.queue.queue.getJobCounts("waiting", "delayed", "active", "completed", "failed"),
}, async () => {
  await bot.stop();
  await http.close();
  await dropPrefix(labops.redis, labops.queue.queue, config.redis.prefix);
  await labops.close();
});
process.send?.({ type: "ready", url: `${base}/slack/events` } satisfies AckServerReady);
