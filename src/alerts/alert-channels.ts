import type { Config } from "../config.ts";
import type { ChannelRef } from "../core/actor.ts";

/** The channels alerts go to: SLACK_ALERT_CHANNEL and DISCORD_ALERT_CHANNEL. */
export function alertChannels(config: Config): ChannelRef[] {
  const out: ChannelRef[] = [];
  if (config.slack?.alertChannel) out.push({ platform: "slack", channel: config.slack.alertChannel });
  if (config.discord?.alertChannel) out.push({ platform: "discord", channel: config.discord.alertChannel });
  return out;
}
