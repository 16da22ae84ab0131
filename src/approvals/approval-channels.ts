import type { Config } from "../config.ts";
import type { ChannelRef } from "../core/actor.ts";

/** Where approval messages go: `approvals.channels` (`slack:C0123`), else every alert channel. */
export function approvalChannels(config: Pick<Config, "approvals">, alertChannels: ChannelRef[]): ChannelRef[] {
  if (!config.approvals.channels.length) return alertChannels;
  return config.approvals.channels.map((raw) => {
    const i = raw.indexOf(":");
    return { platform: raw.slice(0, i) as ChannelRef["platform"], channel: raw.slice(i + 1) };
  });
}
