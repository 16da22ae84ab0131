import { REST, type RateLimitData, type RESTOptions } from "./discord-rest.ts";
import type { Config } from "../../config.ts";
import { MeteredNotifier } from "../../metrics/metered-notifier.ts";
import { NoopMetrics, type Metrics } from "../../metrics/metrics.ts";
import { ThrottledNotifier, type ThrottleOptions } from "../throttled-notifier.ts";
import { CHANNEL_MESSAGE_ROUTES, DiscordNotifier } from "./discord-notifier.ts";

/**
 * Pacing of the channel messages (bucket = channel). Defaults keep R2 in any sliding 5 s window: one token
 * of burst refilled every 1250 ms is at most 4 calls per 5 s per channel, and one edit per message per 2 s.
 * (A burst of 4 refilled every 1250 ms would allow 7 calls in the first 5 s.)
 */
export type DiscordThrottle = Pick<ThrottleOptions, "perMessageMs" | "capacity" | "refillMs" | "maxRetries" | "now" | "shared">;

export const DEFAULT_DISCORD_THROTTLE: DiscordThrottle = { perMessageMs: 2_000, capacity: 1, refillMs: 1_250, maxRetries: 3 };

/** @discordjs/rest's options for labops: the configured API base, bounded timeouts and retries, channel 429s thrown. */
export function discordRestOptions(config: NonNullable<Config["discord"]>, rest: { timeoutMs?: number | undefined; retries?: number | undefined } = {}): Partial<RESTOptions> {
  return {
    ...(config.apiUrl ? { api: config.apiUrl.replace(/\/+$/, "").replace(/\/v\d+$/, "") } : {}),
    timeout: rest.timeoutMs ?? 10_000,
    retries: rest.retries ?? 2,
    // Channel-message 429s (and pre-emptive waits on an exhausted bucket) are thrown instead of slept on:
    // the ThrottledNotifier pauses the channel, coalesces intermediate edits while paused (latest wins), and
    // retries finals until delivered. Interaction routes keep @discordjs/rest's own queueing.
    rejectOnRateLimit: (d: RateLimitData) => CHANNEL_MESSAGE_ROUTES.some((p) => d.route.startsWith(p)),
  };
}

/** Channel messages through `rest`, throttled per channel (or thread). */
export function discordNotifier(rest: REST, o: { throttle?: Partial<DiscordThrottle> | undefined; metrics?: Metrics | undefined } = {}): ThrottledNotifier {
  return new ThrottledNotifier(new MeteredNotifier(new DiscordNotifier(rest), "discord", o.metrics ?? new NoopMetrics()), {
    ...DEFAULT_DISCORD_THROTTLE,
    ...o.throttle,
    bucketOf: (t) => `discord:${t.thread ?? t.channel}`,
  });
}

/**
 * What a worker needs to post and edit in Discord: @discordjs/rest with the bot token, without the gateway
 * client (discord.js), so a worker process never loads the front end.
 */
export function createDiscordNotifier(config: NonNullable<Config["discord"]>, o: { throttle?: Partial<DiscordThrottle> | undefined; metrics?: Metrics | undefined } = {}): ThrottledNotifier {
  const rest = new REST(discordRestOptions(config)).setToken(config.token);
  return discordNotifier(rest, o);
}
