import type { IncomingMessage, ServerResponse } from "node:http";
import { App, HTTPReceiver, SocketModeReceiver } from "@slack/bolt";
import type { RetryOptions } from "@slack/web-api";
import type { Config } from "../../config.ts";
import type { AckDeps } from "../../core/dispatch.ts";
import type { NotifierRegistry } from "../../core/notifier.ts";
import { ConfigError } from "../../errors.ts";
import type { HttpServer } from "../../http/http-server.ts";
import type { Logger } from "../../logger.ts";
import type { ThrottledNotifier, ThrottleOptions } from "../throttled-notifier.ts";
import { boltLogger } from "./bolt-logger.ts";
import { createSlackNotifier, DEFAULT_RETRY, DEFAULT_THROTTLE } from "./create-slack-notifier.ts";
import { registerSlackHandlers, registerSurveySubmissions } from "./slack-handlers.ts";
import { SlackUserGroups } from "./slack-identity.ts";
import { mapSlackError } from "./slack-notifier.ts";
import type { Metrics } from "../../metrics/metrics.ts";

export const SLACK_EVENTS_PATH = "/slack/events";

export { DEFAULT_RETRY, DEFAULT_THROTTLE };

export interface CreateSlackBotOptions {
  config: NonNullable<Config["slack"]>;
  ack: AckDeps;
  log: Logger;
  /** labops' HTTP server: required in HTTP mode, where Bolt's receiver is mounted at /slack/events. */
  http?: HttpServer | undefined;
  /** If given, the throttled notifier is registered here under "slack". */
  notifiers?: NotifierRegistry | undefined;
  /** Throttle timings (tests compress them). The bucket is always the workspace. */
  throttle?: Partial<Omit<ThrottleOptions, "bucketOf">> | undefined;
  retryConfig?: RetryOptions | undefined;
  /** Per Web API request timeout. Default 3000 ms (with DEFAULT_RETRY a progress edit gives up within ~10 s, R4). */
  timeoutMs?: number | undefined;
  /** User-group cache refresh interval. Default 5 min. */
  groupsRefreshMs?: number | undefined;
  /** Past this age without a successful refresh, grants by user group give nothing. Default 10 min. */
  groupsMaxAgeMs?: number | undefined;
  /** Socket Mode ping timeout, which is also the reconnect back-off step. Default 5000 ms. */
  socketPingTimeoutMs?: number | undefined;
  /** Answer the slash command within this, whatever happens (Slack's limit is 3000 ms). Default 2500 ms. */
  ackBudgetMs?: number | undefined;
  /** Counts every call to Slack's Web API (ok, rate_limited, error). */
  metrics?: Metrics | undefined;
}

export interface SlackBot {
  /** The throttled notifier to register under "slack" (already registered when `notifiers` was given). */
  notifier: ThrottledNotifier;
  groups: SlackUserGroups;
  /** The workspace (from auth.test), once started. */
  readonly teamId: string | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Slack front end on the real @slack/bolt: Socket Mode (default; no inbound URL needed) or HTTP mode
 * mounted on labops' HTTP port. `config.apiUrl` points both the Web API and the Socket Mode handshake at
 * another server (the fake Slack in tests and the demo).
 */
export function createSlackBot(opts: CreateSlackBotOptions): SlackBot {
  const { config, log } = opts;
  if (config.mode === "socket" && !config.appToken) throw new ConfigError(["SLACK_APP_TOKEN: required for SLACK_MODE=socket"]);
  if (config.mode === "http" && !config.signingSecret) throw new ConfigError(["SLACK_SIGNING_SECRET: required for SLACK_MODE=http"]);
  if (config.mode === "http" && !opts.http) throw new ConfigError(["SLACK_MODE=http: the labops HTTP server (HTTP_PORT) must be running"]);
  const logger = boltLogger(log);
  const retryConfig = opts.retryConfig ?? DEFAULT_RETRY;
  const timeout = opts.timeoutMs ?? 3_000;
  const { notifier, client, slackApiUrl } = createSlackNotifier({ config, log, throttle: opts.throttle, retryConfig, timeoutMs: timeout, metrics: opts.metrics });
  let teamId: string | undefined;
  opts.notifiers?.register("slack", notifier);
  const groups = new SlackUserGroups({ client, log, refreshMs: opts.groupsRefreshMs, maxAgeMs: opts.groupsMaxAgeMs });
  let app: App | undefined;
  let stopped = false;

  return {
    notifier,
    groups,
    get teamId() {
      return teamId;
    },
    async start() {
      const who = await client.auth.test().catch((err: unknown) => {
        throw new Error(`slack auth.test failed (${mapSlackError("auth.test", err).message}); check SLACK_BOT_TOKEN`);
      });
      teamId = who.team_id;
      await groups.start();
      // One clientOptions object for Bolt, its per-request clients and the Socket Mode handshake (pitfalls F1, F2).
      const clientOptions = { slackApiUrl, retryConfig, timeout, logger };
      // No conversation store: labops keeps its state in Redis, and the store is a middleware run on every event.
      const common = { token: config.botToken, botId: who.bot_id, botUserId: who.user_id, logger, clientOptions, convoStore: false as const };
      if (config.mode === "socket") {
        const receiver = new SocketModeReceiver({
          appToken: config.appToken!, logger, clientPingTimeout: opts.socketPingTimeoutMs ?? 5_000,
          installerOptions: { clientOptions },
        });
        app = new App({ ...common, receiver });
      } else {
        const receiver = new HTTPReceiver({ signingSecret: config.signingSecret!, endpoints: SLACK_EVENTS_PATH, logger });
        app = new App({ ...common, receiver });
        opts.http!.mount(SLACK_EVENTS_PATH, (req, res) => mounted(receiver, req, res, () => stopped));
      }
      app.error(async (err) => {
        log.error({ err: { type: err.name, message: err.message, code: (err as { code?: string }).code } }, "slack listener failed");
      });
      const handlerDeps = { ack: opts.ack, notifier, groups, log, ackBudgetMs: opts.ackBudgetMs ?? 2_500 };
      registerSlackHandlers(app, handlerDeps);
      registerSurveySubmissions(app, handlerDeps);
      if (config.mode === "socket") await app.start();
      log.info({ mode: config.mode, team: teamId, bot: who.user_id }, "slack front end started");
    },
    async stop() {
      stopped = true;
      groups.stop();
      if (config.mode === "socket") await app?.stop().catch((err: unknown) => log.debug({ err: String(err) }, "slack socket stop"));
    },
  };
}

/** Bolt's HTTPReceiver on our server: it verifies the signature (401 when bad or > 5 min old) and answers within 3 s. */
function mounted(receiver: HTTPReceiver, req: IncomingMessage, res: ServerResponse, stopped: () => boolean): void {
  if (stopped()) {
    res.writeHead(503, { "content-type": "text/plain" }).end("slack front end stopped");
    return;
  }
  // Bolt refuses timestamps more than 5 min in the past but not in the future; Slack's rule is 5 min either way.
  const ts = Number(req.headers["x-slack-request-timestamp"]);
  if (req.method === "POST" && Number.isFinite(ts) && ts - Date.now() / 1000 > 300) {
    req.resume();
    res.writeHead(401, { "content-type": "text/plain" }).end("unauthorized");
    return;
  }
  try {
    receiver.requestListener(req, res);
  } catch {
    // HTTPReceiverDeferredRequestError: a non-POST or a sub-path under /slack/events.
    req.resume();
    res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  }
}

