import { ApplicationCommandOptionType, type CommandInteractionOption, type Interaction } from "discord.js";
import type { Actor, ChannelRef } from "../../core/actor.ts";
import { NAMESPACE, type CommandRegistry } from "../../core/command-registry.ts";
import { optionName } from "./slash-commands.ts";

/** Who clicked or typed: the Discord user, with the guild role ids as groups (for the permission grants). */
export function actorOf(interaction: Interaction): Actor {
  const member = interaction.member;
  let groups: string[] = [];
  if (member) {
    groups = Array.isArray(member.roles)
      ? [...member.roles]
      : [...member.roles.cache.keys()].filter((id) => id !== interaction.guildId); // drop @everyone
  }
  return { platform: "discord", id: interaction.user.id, name: interaction.user.username, groups };
}

export function channelOf(interaction: Interaction): ChannelRef {
  return { platform: "discord", channel: interaction.channelId ?? "" };
}

/**
 * The full command name (`runner create`) and typed option values of a slash command, keyed by the zod
 * field names. Repeatable args arrive as one string option and are split on spaces and commas.
 */
export function commandInput(
  registry: CommandRegistry,
  commandName: string,
  data: readonly CommandInteractionOption[],
): { name: string; options: Record<string, unknown>; focused?: { arg: string; value: string } | undefined } {
  // `/labops runner create` arrives as command labops, group runner, subcommand create; `/runner create` as runner, create.
  const parts = commandName === NAMESPACE ? [] : [commandName];
  let opts = data;
  for (let first = opts[0]; first && (first.type === ApplicationCommandOptionType.SubcommandGroup || first.type === ApplicationCommandOptionType.Subcommand); first = opts[0]) {
    parts.push(first.name);
    opts = first.options ?? [];
  }
  const name = parts.join(" ");
  const specs = registry.get(name)?.specs ?? [];
  const options: Record<string, unknown> = {};
  let focused: { arg: string; value: string } | undefined;
  for (const o of opts) {
    const spec = specs.find((s) => optionName(s.name) === o.name);
    const arg = spec?.name ?? o.name;
    if (o.focused) focused = { arg, value: String(o.value ?? "") };
    if (o.value === undefined) continue;
    if (spec?.list) {
      const parts = String(o.value).split(/[\s,]+/).filter(Boolean);
      options[arg] = spec.kind === "number" ? parts.map(Number) : parts;
    } else {
      options[arg] = o.value;
    }
  }
  return { name, options, focused };
}
