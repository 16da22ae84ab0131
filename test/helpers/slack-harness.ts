import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { createSlackBot, type CreateSlackBotOptions, type SlackBot } from "../../src/bot/slack/create-slack-bot.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLab, type Lab } from "../../lab/create-lab.ts";
import { FakeSlack, type FakeSlackOptions, type StoredMessage } from "../../lab/slack/fake-slack.ts";
import { createLogger } from "../../src/logger.ts";
import { LogCapture, REDIS_URL } from "./harness.ts";

/** Compressed timings: a Slack "minute" lasts 3 s in the fake, and the throttle is scaled the same way. */
export const TIME_SCALE = 0.05;
export const TEST_THROTTLE = { perMessageMs: 150, capacity: 5, refillMs: 1_500 * TIME_SCALE, maxRetries: 3 };
export const OPS_GROUP = "S0OPS";

/** The slash commands of slack-manifest.yml, as a workspace that installed labops from it has them. */
export const MANIFEST_COMMANDS: string[] = (parse(readFileSync(new URL("../../slack-manifest.yml", import.meta.url), "utf8")) as {
  features: { slash_commands: { command: string }[] };
}).features.slash_commands.map((c) => c.command);

export interface SlackHarness {
  lab: Lab;
  slack: FakeSlack;
  labops: Labops;
  bot: SlackBot;
  config: Config;
  logs: LogCapture;
  http?: HttpServer | undefined;
  /** The channel message that carries this job's progress (from the ref the worker saved in the job), once it exists. */
  jobMessage(jobId: string): Promise<StoredMessage | undefined>;
  /** Waits until the job's message shows a final state (✅, ❌ or 🚫 in its header). */
  final(jobId: string, timeoutMs?: number): Promise<StoredMessage>;
  close(): Promise<void>;
}

export interface SlackHarnessOptions {
  mode?: "socket" | "http" | undefined;
  stepMs?: number | undefined;
  fake?: FakeSlackOptions | undefined;
  bot?: Partial<Omit<CreateSlackBotOptions, "config" | "ack" | "log">> | undefined;
  /** Runs after the fake Slack and labops are up, before the bot starts (inject faults, add grants). */
  beforeBot?: ((slack: FakeSlack, config: Config) => void) | undefined;
}

/**
 * The lab, labops on a random queue prefix in the real Redis, the fake Slack, and the REAL Bolt front end
 * pointed at it, registered under "slack" in the NotifierRegistry. Alice is in the ops user group
 * (operator); Bob is in none.
 */
export async function createSlackHarness(opts: SlackHarnessOptions = {}): Promise<SlackHarness> {
  const mode = opts.mode ?? "socket";
  const lab = await createLab({ stepMs: opts.stepMs ?? 10 });
  const slack = new FakeSlack({
    usergroups: [{ id: OPS_GROUP, handle: "homelab-ops", users: ["U0ALICE"] }],
    limits: { timeScale: TIME_SCALE },
    pingIntervalMs: 500,
    commands: MANIFEST_COMMANDS, // what Slack delivers: the manifest's commands, never a built-in like /status
    ...opts.fake,
  });
  const apiUrl = await slack.start();
  const config = loadConfig({
    ...lab.env, REDIS_URL, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: `t-${randomUUID().slice(0, 8)}`,
    SLACK_MODE: mode, SLACK_BOT_TOKEN: slack.botToken, SLACK_APP_TOKEN: slack.appToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: apiUrl,
  });
  config.limits.cooldown = 0;
  // Tests drive many commands as one person; the budget and the queued-jobs cap have their own tests.
  config.limits.commandsPerMinute = 0;
  config.limits.queuedJobsPerPerson = 0;
  config.limits.progressEditInterval = 20;
  config.limits.retryBackoff = 50;
  config.aapSettings.pollInterval = 20;
  config.permissions.grants = [{ role: "operator", slackGroups: [OPS_GROUP], slackUsers: [], discordUsers: [], discordRoles: [], channels: [] }];
  const logs = new LogCapture();
  const log = createLogger({ level: "debug", secrets: config.secrets, destination: logs });
  const notifiers = new NotifierRegistry();
  const labops = createLabops({ config, log, notifiers, probe: lab.probe, worker: { lockRetryMs: 100 } });
  await labops.ready();
  let http: HttpServer | undefined;
  if (mode === "http") {
    http = new HttpServer(log);
    const base = await http.listen(0, "127.0.0.1");
    slack.requestUrl = `${base}/slack/events`;
  }
  opts.beforeBot?.(slack, config);
  const bot = createSlackBot({
    config: config.slack!, ack: labops.ack, log, http, notifiers,
    throttle: TEST_THROTTLE, retryConfig: { retries: 0 }, socketPingTimeoutMs: 1_000, groupsRefreshMs: 60_000,
    ...opts.bot,
  });
  await bot.start();
  labops.startWorker();

  const jobMessage = async (jobId: string) => {
    const job = await labops.queue.queue.getJob(jobId);
    const ref = (job?.data as { state?: { progressRef?: { channel: string; messageId: string } } } | undefined)?.state?.progressRef;
    return ref ? slack.message(ref.channel, ref.messageId) : undefined;
  };
  return {
    lab, slack, labops, bot, config, logs, http, jobMessage,
    async final(jobId, timeoutMs = 20_000) {
      const t0 = Date.now();
      for (;;) {
        const m = await jobMessage(jobId);
        if (m && /^(✅|❌|🚫)/.test(m.text)) return m;
        if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for the final message of job ${jobId}`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async close() {
      await bot.stop();
      await labops.queue.queue.obliterate({ force: true }).catch(() => {});
      await labops.redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${config.redis.prefix}:*`).catch(() => {});
      await labops.close();
      await http?.close();
      await slack.close();
      await lab.close();
    },
  };
}

/** The header text of a Block Kit message. */
export function headerOf(blocks: unknown[]): string {
  const h = (blocks as { type: string; text?: { text: string } }[]).find((b) => b.type === "header");
  return h?.text?.text ?? "";
}

/** Action ids of the buttons in a Block Kit message. */
export function buttonsOf(blocks: unknown[]): { action_id: string; style?: string; confirm?: unknown; text: { text: string } }[] {
  return (blocks as { type: string; elements?: { type: string; action_id: string; text: { text: string } }[] }[])
    .filter((b) => b.type === "actions")
    .flatMap((b) => b.elements ?? [])
    .filter((e) => e.type === "button");
}
