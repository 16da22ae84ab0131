import { Client, Events, GatewayIntentBits } from "discord.js";
import type { Config } from "../../config.ts";
import type { AckDeps } from "../../core/dispatch.ts";
import type { Logger } from "../../logger.ts";
import type { ThrottledNotifier } from "../throttled-notifier.ts";
import { discordNotifier, discordRestOptions, DEFAULT_DISCORD_THROTTLE, type DiscordThrottle } from "./create-discord-notifier.ts";
import type { InteractionClaim } from "./interaction-claim.ts";
import { handleInteraction, type AutocompleteSources } from "./interaction-handlers.ts";
import { registerGuildCommands } from "./slash-commands.ts";
import type { Metrics } from "../../metrics/metrics.ts";

export type { AutocompleteSources };

export { DEFAULT_DISCORD_THROTTLE, type DiscordThrottle };

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
  const client = new Client({ intents: [GatewayIntentBits.Guilds], rest: discordRestOptions(config, opts.rest) });
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

  const notifier = discordNotifier(client.rest, { throttle: opts.throttle, metrics: opts.metrics });

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
