import { defineCommand, type CommandDefinition } from "../core/command.ts";
import { alertsListArgs, alertsMuteArgs, alertsUnmuteArgs } from "../queue/processors/alerts-mutes.ts";

const list = defineCommand({ name: "alerts list", description: "Muted alerts with their expiry, and the maintenance windows", requires: "viewer", args: alertsListArgs, job: "alerts.list" });
const mute = defineCommand({
  name: "alerts mute", description: "Silence alerts for an app, host or template during planned work", requires: "operator",
  args: alertsMuteArgs, positional: ["scope", "window"], rest: "window", job: "alerts.mute", mutating: true,
});
const unmute = defineCommand({ name: "alerts unmute", description: "End a mute early", requires: "operator", args: alertsUnmuteArgs, positional: ["mute"], job: "alerts.unmute", mutating: true });

/** /labops alerts list | mute <scope> for 2h | unmute <id> */
export const alertsCommands: readonly CommandDefinition[] = [list, mute, unmute] as CommandDefinition[];
