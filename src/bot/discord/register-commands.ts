import { pathToFileURL } from "node:url";
import { REST } from "discord.js";
import { loadConfig, loadDotEnv } from "../../config.ts";
import { CommandRegistry } from "../../core/command-registry.ts";
import { COMMANDS } from "../../handlers/index.ts";
import { registerGuildCommands } from "./slash-commands.ts";

/**
 * `npm run register-commands`: bulk-overwrites the guild's slash commands (PUT, idempotent; guild commands
 * update at once) from the command registry, without connecting to the gateway. The bot also does this at
 * start; the script is for checking the token and ids, or refreshing commands without a restart.
 */
export async function registerCommandsMain(env?: Record<string, string | undefined>, out: (line: string) => void = console.log): Promise<string[]> {
  const config = loadConfig(env);
  if (!config.discord) throw new Error("DISCORD_TOKEN, DISCORD_APP_ID and DISCORD_GUILD_ID must be set");
  const rest = new REST({
    ...(config.discord.apiUrl ? { api: config.discord.apiUrl.replace(/\/+$/, "").replace(/\/v\d+$/, "") } : {}),
    timeout: 15_000,
  }).setToken(config.discord.token);
  const registered = await registerGuildCommands(rest, config.discord, new CommandRegistry(COMMANDS));
  const names = registered.map((c) => c.name);
  out(`registered ${names.length} guild commands in guild ${config.discord.guildId}: ${names.map((n) => `/${n}`).join(" ")}`);
  return names;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  Promise.resolve().then(() => (loadDotEnv(), registerCommandsMain())).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(`register-commands failed: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
