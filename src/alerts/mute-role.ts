import type { Config } from "../config.ts";
import { strictest, type Role } from "../core/actor.ts";
import type { CommandRegistry } from "../core/command-registry.ts";

/** The command that launches a configured template (deploy, seeder, runner, cleanup), whoever launched a job of it. */
export function templateCommand(config: Config, template: string): string | undefined {
  const t = config.aapSettings.templates;
  return ({ [t.deploy]: "deploy", [t.seeder]: "seed-aap", [t.runner]: "runner create", [t.cleanup]: "cleanup-ocp" } as Record<string, string>)[template];
}

/**
 * The role `/alerts mute` and `/alerts unmute` need for a scope: for `template:<T>`, the role of the command that
 * launches T (admin for the cleanup template), as the Mute button on its alerts; operator otherwise. An `app:` or
 * `host:` mute needs operator but silences only alerts whose command needs no more than the muter's role (the
 * role is stored with the mute, see AlertStore.mutedFor): an operator's host mute does not hide an admin's cleanup.
 */
export function muteScopeRole(config: Config, commands: Pick<CommandRegistry, "get"> | undefined, scope: string): Role {
  const m = /^template:(.+)$/.exec(scope);
  const cmd = m ? templateCommand(config, m[1]!) : undefined;
  return strictest("operator", cmd ? commands?.get(cmd)?.def.requires ?? "admin" : undefined);
}
