import {
  ApplicationCommandOptionType,
  Routes,
  type APIApplicationCommandBasicOption,
  type APIApplicationCommandOption,
  type APIApplicationCommandSubcommandOption,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from "discord.js";
import type { z } from "zod";
import type { ArgSpec } from "../../core/arg-spec.ts";
import { NAMESPACE, type CommandRegistry, type RegisteredCommand } from "../../core/command-registry.ts";

/** Discord limits for application commands. */
const MAX_DESCRIPTION = 100;
const MAX_CHOICES = 25;
const MAX_OPTIONS = 25;

/** `sshKey` → `ssh-key`: Discord option names are lowercase; the same spelling as the text flags. */
export function optionName(argName: string): string {
  return argName.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * The guild command JSON, generated from the zod-derived ArgSpecs: `/labops` with every command as a
 * subcommand (a group for names with a space: `/labops runner create`), then the shortcuts (`/deploy`,
 * `/runner create`) as their own commands. Required options first.
 */
export function slashCommands(registry: CommandRegistry): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  const namespace: APIApplicationCommandOption[] = registry.roots().slice(0, MAX_OPTIONS).map((root) => {
    const subs = registry.subcommands(root);
    if (!subs.length) return subcommand(registry.get(root)!, root);
    return {
      type: ApplicationCommandOptionType.SubcommandGroup,
      name: root,
      description: describe(`${root}: ${subs.map((s) => s.def.name.split(" ")[1]).join(", ")}`),
      options: subs.slice(0, MAX_OPTIONS).map((sub) => subcommand(sub, sub.def.name.split(" ")[1]!)),
    };
  });
  const labops = { name: NAMESPACE, type: 1 as const, description: describe(`labops: ${registry.roots().join(", ")}`), options: namespace };
  return [labops, ...registry.shortcuts().map((root) => {
    const subs = registry.subcommands(root);
    if (subs.length) {
      const options = subs.slice(0, MAX_OPTIONS).map((sub) => subcommand(sub, sub.def.name.split(" ")[1]!));
      return { name: root, type: 1 as const, description: describe(`${root}: ${subs.map((s) => s.def.name.split(" ")[1]).join(", ")}`), options };
    }
    const cmd = registry.get(root)!;
    return { name: root, type: 1 as const, description: describe(cmd.def.description), options: commandOptions(cmd) };
  })];
}

function subcommand(cmd: RegisteredCommand, name: string): APIApplicationCommandSubcommandOption {
  return { type: ApplicationCommandOptionType.Subcommand, name, description: describe(cmd.def.description), options: commandOptions(cmd) };
}

/** The options of one command, required ones first (Discord rejects a required option after an optional one). */
export function commandOptions(cmd: RegisteredCommand): APIApplicationCommandBasicOption[] {
  const shape = cmd.def.args.shape as Record<string, z.ZodType>;
  const options = cmd.specs.map((spec) => option(spec, shape[spec.name], cmd.def.complete?.[spec.name]));
  return [...options.filter((o) => o.required), ...options.filter((o) => !o.required)].slice(0, MAX_OPTIONS);
}

function option(spec: ArgSpec, schema: z.ZodType | undefined, completeSource: string | undefined): APIApplicationCommandBasicOption {
  const base = {
    name: optionName(spec.name),
    description: describe(spec.list ? `${spec.description || spec.name} (several: separate with spaces or commas)` : spec.description || spec.name),
    required: spec.required && spec.kind !== "boolean",
  };
  if (spec.kind === "boolean") return { ...base, type: ApplicationCommandOptionType.Boolean };
  if (spec.kind === "number" && !spec.list) {
    if (isInteger(schema)) {
      const type = ApplicationCommandOptionType.Integer;
      return completeSource ? { ...base, type, autocomplete: true } : { ...base, type };
    }
    const type = ApplicationCommandOptionType.Number;
    return completeSource ? { ...base, type, autocomplete: true } : { ...base, type };
  }
  if (spec.kind === "enum" && spec.choices && spec.choices.length <= MAX_CHOICES && !spec.list) {
    return { ...base, type: ApplicationCommandOptionType.String, choices: spec.choices.map((c) => ({ name: c, value: c })) };
  }
  const type = ApplicationCommandOptionType.String;
  return completeSource && !spec.list ? { ...base, type, autocomplete: true } : { ...base, type };
}

/** Whether a (possibly optional/defaulted) zod number only accepts integers. */
function isInteger(schema: z.ZodType | undefined): boolean {
  let t = schema as (z.ZodType & { isInt?: boolean; def: { type: string; innerType?: z.ZodType; in?: z.ZodType } }) | undefined;
  while (t && ["optional", "default", "prefault", "nullable", "pipe"].includes(t.def.type)) {
    t = (t.def.innerType ?? t.def.in) as typeof t;
  }
  return t?.isInt === true;
}

function describe(text: string): string {
  const one = text.split("\n")[0]!.trim() || "-";
  return one.length <= MAX_DESCRIPTION ? one : `${one.slice(0, MAX_DESCRIPTION - 1)}…`;
}

/**
 * PUT /applications/{app}/guilds/{guild}/commands: bulk-overwrites the guild's commands (they update at once).
 * Idempotent. Returns the commands as Discord stored them (with ids).
 */
export async function registerGuildCommands(
  rest: REST,
  target: { appId: string; guildId: string },
  registry: CommandRegistry,
): Promise<{ id: string; name: string }[]> {
  const body = slashCommands(registry);
  return (await rest.put(Routes.applicationGuildCommands(target.appId, target.guildId), { body })) as { id: string; name: string }[];
}
