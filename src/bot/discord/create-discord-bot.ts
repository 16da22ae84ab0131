import { Client, Events, GatewayIntentBits, type RateLimitData } from "discord.js";
import type { Config } from "../../config.ts";
import type { AckDeps } from "../../core/dispatch.ts";
import type { Logger } from "../../logger.ts";
import { ThrottledNotifier, type ThrottleOptions } from "../throttled-notifier.ts";
import { CHANNEL_MESSAGE_ROUTES, DiscordNotifier } from "./discord-notifier.ts";
import type { InteractionClaim } from "./interaction-claim.ts";
import { handleInteraction, type AutocompleteSources } from "./interaction-handlers.ts";
import { registerGuildCommands } from "./slash-commands.ts";
import { MeteredNotifier } from "../../metrics/metered-notifier.ts";
import { NoopMetrics, type Metrics } from "../../metrics/metrics.ts";

export type { AutocompleteSources };

/**
 * Pacing of the channel messages (bucket = channel). Defaults keep R2 in any sliding 5 s window: one token
 * of burst refilled every 1250 ms is at most 4 calls per 5 s per channel, and one edit per message per 2 s.
 * (A burst of 4 refilled every 1250 ms would allow 7 calls in the first 5 s.)
 */
export type DiscordThrottle = Pick<ThrottleOptions, "perMessageMs" | "capacity" | "refillMs" | "maxRetries" | "now" | "shared">;

export const DEFAULT_DISCORD_THROTTLE: DiscordThrottle = { perMessageMs: 2_000, capacity: 1, refillMs: 1_250, maxRetries: 3 };

export interface DiscordBotOptions {
  config: NonNullable<Config["discord"]>;
  ack: AckDeps;
  log: Logger;
  /** Served from caches: the handler never calls a backend (3 s budget, and autocomplete fires per keystroke). */
  autocomplete: AutocompleteSources;
  throttle?: Partial<DiscordThrottle> | undefined;
  /** @discordjs/rest per-request timeout (ms) and retries on 5xx/network errors. */
  rest?: { timeoutMs?: number | undefined; retries?: number | undefined } | undefined;
  /** Wait at most this long for the gateway's READY in start() (ms). */
  readyTimeoutMs?: number | undefined;
  /** Counts every channel-message call to Discord (ok, rate_limited, error). */
  metrics?: Metrics | undefined;
  /** With several bot processes on one token: only the claimant answers an interaction (see interaction-claim.ts). */
  claimInteraction?: InteractionClaim | undefined;
}

export interface DiscordBot {
  /** Register under "discord": channel messages with the bot token, throttled per channel. Usable before start(). */
  notifier: ThrottledNotifier;
  client: Client;
  /** Registers the guild commands (PUT, bulk overwrite), logs in, and resolves once the gateway is ready. */
  start(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The Discord front end on discord.js: gateway interactions (no public URL needed), slash commands deferred at
 * once and answered with the acknowledgement, buttons routed to dispatchAction, autocomplete from caches.
 */
export function createDiscordBot(opts: DiscordBotOptions): DiscordBot {
  const { config } = opts;
  const log = opts.log.child({ platform: "discord" });
  const client = new Client({
    intents: [GatewayIntentBits.Guilds],
    rest: {
      ...(config.apiUrl ? { api: config.apiUrl.replace(/\/+$/, "").replace(/\/v\d+$/, "") } : {}),
      timeout: opts.rest?.timeoutMs ?? 10_000,
      retries: opts.rest?.retries ?? 2,
      // Channel-message 429s (and pre-emptive waits on an exhausted bucket) are thrown instead of slept on:
      // the ThrottledNotifier pauses the channel, coalesces intermediate edits while paused (latest wins), and
      // retries finals until delivered. Interaction routes keep @discordjs/rest's own queueing.
      rejectOnRateLimit: (d: RateLimitData) => CHANNEL_MESSAGE_ROUTES.some((p) => d.route.startsWith(p)),
    },
  });
  client.rest.setToken(config.token);
  client.rest.on("rateLimited", (d) => log.debug({ route: d.route, retryAfterMs: d.retryAfter, global: d.global }, "discord rate limited"));
  client.on(Events.Error, (err) => log.warn({ err: err.message }, "discord client error"));
  client.on(Events.ShardDisconnect, (ev, shard) => log.info({ code: ev.code, shard }, "discord gateway disconnected"));
  client.on(Events.ShardResume, (shard, replayed) => log.info({ shard, replayed }, "discord gateway resumed"));
  client.on(Events.InteractionCreate, (interaction) => {
    const claim = opts.claimInteraction ? opts.claimInteraction(interaction.id) : Promise.resolve(true);
    void claim.then((mine) => {
      if (!mine) return log.debug({ interaction: interaction.id }, "discord interaction answered by another bot process");
      return handleInteraction({ ack: opts.ack, log, sources: opts.autocomplete }, interaction);
    }).catch((err: unknown) =>
      log.warn({ err: err instanceof Error ? err.message : String(err), interaction: interaction.id }, "discord interaction failed"),
    );
  });

  const notifier = new ThrottledNotifier(new MeteredNotifier(new DiscordNotifier(client.rest), "discord", opts.metrics ?? new NoopMetrics()), {
    ...DEFAULT_DISCORD_THROTTLE,
    ...opts.throttle,
    bucketOf: (t) => `discord:${t.thread ?? t.channel}`,
  });

  return {
    notifier,
    client,
    async start() {
      const registered = await registerGuildCommands(client.rest, config, opts.ack.commands);
      log.info({ commands: registered.map((c) => c.name) }, "discord guild commands registered");
      const ready = new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error("discord gateway not ready in time")), opts.readyTimeoutMs ?? 30_000);
        client.once(Events.ClientReady, () => (clearTimeout(t), resolve()));
      });
      await client.login(config.token);
      await ready;
      log.info({ user: client.user?.username }, "discord bot ready");
    },
    async stop() {
      await client.destroy();
    },
  };
}
