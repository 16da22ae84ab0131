import { WebClient, type RetryOptions } from "@slack/web-api";
import type { Config } from "../../config.ts";
import type { Logger } from "../../logger.ts";
import { MeteredNotifier } from "../../metrics/metered-notifier.ts";
import { NoopMetrics, type Metrics } from "../../metrics/metrics.ts";
import { ThrottledNotifier, type ThrottleOptions } from "../throttled-notifier.ts";
import { boltLogger } from "./bolt-logger.ts";
import { SlackNotifier } from "./slack-notifier.ts";

/**
 * Web API retries: short and bounded (pitfall F1: web-api's default retries for ~30 min, and Socket Mode
 * silently sets 100 retries when none is given). 429s are not retried here: the throttle owns them.
 */
export const DEFAULT_RETRY: RetryOptions = { retries: 2, factor: 2, minTimeout: 250, maxTimeout: 1_000, randomize: true };

/** R1: ≤ 1 chat.update per message per 3 s; ≤ 40 calls/min per workspace (80 % of Tier 3), bursts of 5. */
export const DEFAULT_THROTTLE = { perMessageMs: 3_000, capacity: 5, refillMs: 1_500, maxRetries: 3 };

export interface SlackNotifierOptions {
  config: NonNullable<Config["slack"]>;
  log: Logger;
  /** Throttle timings (tests compress them) and the budget shared with other processes. The bucket is the workspace. */
  throttle?: Partial<Omit<ThrottleOptions, "bucketOf">> | undefined;
  retryConfig?: RetryOptions | undefined;
  /** Per Web API request timeout. Default 3000 ms (with DEFAULT_RETRY a progress edit gives up within ~10 s, R4). */
  timeoutMs?: number | undefined;
  metrics?: Metrics | undefined;
}

/**
 * What a worker needs to post and edit in Slack: the Web API client (@slack/web-api, without Bolt, so a worker
 * process never loads the front end) behind the workspace's throttle. One bot token is one workspace, so the
 * bucket is the same for every process that holds the token.
 */
export function createSlackNotifier(opts: SlackNotifierOptions): { notifier: ThrottledNotifier; client: WebClient; slackApiUrl: string } {
  const slackApiUrl = withSlash(opts.config.apiUrl ?? "https://slack.com/api/");
  // The notifier's own client rejects 429s instead of pausing (the throttle waits, latest-wins).
  const client = new WebClient(opts.config.botToken, {
    slackApiUrl, retryConfig: opts.retryConfig ?? DEFAULT_RETRY, timeout: opts.timeoutMs ?? 3_000, rejectRateLimitedCalls: true, logger: boltLogger(opts.log),
  });
  const notifier = new ThrottledNotifier(new MeteredNotifier(new SlackNotifier(client), "slack", opts.metrics ?? new NoopMetrics()), {
    ...DEFAULT_THROTTLE,
    ...opts.throttle,
    bucketOf: () => "workspace",
  });
  return { notifier, client, slackApiUrl };
}

export function withSlash(url: string): string {
  return url.endsWith("/") ? url : `${url}/`;
}
