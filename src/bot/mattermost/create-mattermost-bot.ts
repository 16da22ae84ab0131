import type { Config } from "../../config.ts";
import type { AckDeps } from "../../core/dispatch.ts";
import type { HttpServer } from "../../http/http-server.ts";
import type { Logger } from "../../logger.ts";
import { MeteredNotifier } from "../../metrics/metered-notifier.ts";
import { NoopMetrics, type Metrics } from "../../metrics/metrics.ts";
import { ThrottledNotifier, type ThrottleOptions } from "../throttled-notifier.ts";
import { actionRoute } from "./action-route.ts";
import { ButtonSigner } from "./button-context.ts";
import { commandRoute } from "./command-route.ts";
import { MattermostApi } from "./mattermost-api.ts";
import { MattermostNotifier } from "./mattermost-notifier.ts";

export const MATTERMOST_COMMAND_PATH = "/mattermost/command";
export const MATTERMOST_ACTIONS_PATH = "/mattermost/actions";

/**
 * Pacing of the bot's posts and edits (one bucket: Mattermost limits per user or per address). The server's default
 * when rate limiting is on is 10 requests/s with bursts of 100; labops stays at a quarter of that, one edit per post per s.
 */
export const DEFAULT_MATTERMOST_THROTTLE = { perMessageMs: 1_000, capacity: 10, refillMs: 400, maxRetries: 3 };

export interface MattermostBotOptions {
  config: NonNullable<Config["mattermost"]>;
  ack: AckDeps;
  log: Logger;
  /** labops' HTTP port: the slash command and button routes are mounted on it by start(). */
  http: HttpServer;
  throttle?: Partial<Omit<ThrottleOptions, "bucketOf">> | undefined;
  /** Answer a command or a click within this (Mattermost shows an error past its integration timeout). Default 2500 ms. */
  ackBudgetMs?: number | undefined;
  timeoutMs?: number | undefined;
  metrics?: Metrics | undefined;
}

export interface MattermostBot {
  /** Register under "mattermost": the bot account's posts and edits, throttled. Usable before start(). */
  notifier: ThrottledNotifier;
  api: MattermostApi;
  /** Checks the bot token (GET /users/me) and mounts POST /mattermost/command and /mattermost/actions. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** The Mattermost front end over plain HTTP: slash commands and buttons in, REST API v4 out. */
export function createMattermostBot(opts: MattermostBotOptions): MattermostBot {
  const { config } = opts;
  const log = opts.log.child({ platform: "mattermost" });
  const api = new MattermostApi({ url: config.url, botToken: config.botToken, timeoutMs: opts.timeoutMs });
  const signer = new ButtonSigner(config.botToken);
  const actionsUrl = `${config.labopsUrl.replace(/\/+$/, "")}${MATTERMOST_ACTIONS_PATH}`;
  const notifier = new ThrottledNotifier(new MeteredNotifier(new MattermostNotifier(api, signer, actionsUrl), "mattermost", opts.metrics ?? new NoopMetrics()), {
    ...DEFAULT_MATTERMOST_THROTTLE,
    ...opts.throttle,
    bucketOf: () => "mattermost",
  });
  let stopped = false;
  let mounted = false;
  const common = { ack: opts.ack, api, signer, actionsUrl, log, ackBudgetMs: opts.ackBudgetMs ?? 2_500, stopped: () => stopped };
  return {
    notifier,
    api,
    async start() {
      const me = await api.me().catch((err: unknown) => {
        throw new Error(`mattermost GET /users/me failed (${err instanceof Error ? err.message : String(err)}); check MATTERMOST_URL and MATTERMOST_BOT_TOKEN`);
      });
      stopped = false;
      if (!mounted) {
        opts.http.route("POST", MATTERMOST_COMMAND_PATH, commandRoute({ ...common, tokens: config.commandTokens }), { maxBodyBytes: 64 << 10 });
        opts.http.route("POST", MATTERMOST_ACTIONS_PATH, actionRoute(common), { maxBodyBytes: 64 << 10 });
        mounted = true;
      }
      log.info({ bot: me.username, commands: Object.keys(config.commandTokens) }, "mattermost front end started");
    },
    async stop() {
      stopped = true;
    },
  };
}
