import type { CommandRegistry } from "../../core/command-registry.ts";
import { NAMESPACE } from "../../core/command-registry.ts";

/** Slack's limits for a slash command in an app manifest. */
export const SLACK_LIMITS = { command: 32, description: 2000, usageHint: 1000 } as const;

export interface SlackSlashCommand {
  command: string;
  description: string;
  usage_hint: string;
}

/**
 * The slash commands labops declares on Slack, generated from the command definitions: `/labops` (every
 * command) and the shortcuts (`/deploy`, `/runner`, ...). Hints are the commands' usage lines, so each
 * alternative of a hint is something the parser accepts.
 */
export function slackSlashCommands(registry: CommandRegistry): SlackSlashCommand[] {
  const tail = (usage: string, prefix: string) => usage.slice(`/${prefix}`.length).trim();
  const namespaced = registry.all().map((c) => tail(c.usage, registry.typed(c.def.name).slice(0, -c.def.name.length).trim()));
  // Every command in one hint; past Slack's limit, without their optional parts (`/labops help <command>` has them).
  const full = namespaced.join(" | ");
  const short = namespaced.map((u) => u.replace(/ \[[^\]]*\]/g, "")).join(" | ");
  const out: SlackSlashCommand[] = [{
    command: `/${NAMESPACE}`,
    description: `labops: ${registry.roots().join(", ")}. Try /${NAMESPACE} help`,
    usage_hint: full.length <= SLACK_LIMITS.usageHint ? full : short,
  }];
  for (const root of registry.shortcuts()) {
    const subs = registry.subcommands(root);
    const cmds = subs.length ? subs : [registry.get(root)!];
    const description = subs.length
      ? `${subs.map((s) => s.def.name.split(" ")[1]).join(", ")}: ${subs.map((s) => s.def.description).join("; ")}`
      : cmds[0]!.def.description;
    const forms = cmds.map((c) => tail(c.usage, root)).filter(Boolean);
    out.push({ command: `/${root}`, description, usage_hint: forms.length ? [...forms, "help"].join(" | ") : "[help]" });
  }
  return out;
}

const HEAD = `# Slack app manifest for labops. Generated from the command definitions by \`npm run manifest\`; do not edit
# the slash commands by hand. Create the app from it at https://api.slack.com/apps
# ("Create New App" → "From a manifest"), then follow docs/SLACK.md.
#
# Socket Mode is on: labops dials out to Slack, nothing in the homelab needs a public URL.
# For HTTP mode instead, set socket_mode_enabled: false, add \`url: https://<your-host>/slack/events\`
# to every slash command and \`request_url: https://<your-host>/slack/events\` under interactivity.
#
# /${NAMESPACE} takes every command (/${NAMESPACE} status, /${NAMESPACE} deploy traefik, /${NAMESPACE} help). Only names no other
# app or Slack itself is likely to take are shortcuts: Slack keeps /status for itself, and /app, /job,
# /help, /sync, /cancel and /history are common in workspaces.
_metadata:
  major_version: 1
  minor_version: 1
display_information:
  name: labops
  description: Chat-ops for the homelab (Nautobot, AAP/AWX, Proxmox VE, TrueNAS)
  background_color: "#1d3b53"
  long_description: >-
    labops deploys apps from Nautobot's app_list with AAP, creates GitHub runners on Proxmox, cleans up
    OpenShift folders on TrueNAS and keeps Nautobot in sync with Git. Every command answers at once and
    reports progress by editing one message in the channel. Roles come from Slack user groups.
features:
  bot_user:
    display_name: labops
    always_online: true
  slash_commands:
`;

const TAIL = `oauth_config:
  scopes:
    bot:
      - commands         # slash commands
      - chat:write       # post and edit the progress message (chat.postMessage, chat.update, chat.postEphemeral)
      - usergroups:read  # user groups → labops roles (usergroups.list, refreshed in the background)
settings:
  interactivity:
    is_enabled: true     # buttons (confirmations, alert actions)
  org_deploy_enabled: false
  socket_mode_enabled: true
  token_rotation_enabled: false
`;

/** The text of slack-manifest.yml (JSON strings are YAML double-quoted scalars, so any text is safe). */
export function slackManifest(registry: CommandRegistry): string {
  const commands = slackSlashCommands(registry).map((c) =>
    `    - command: ${c.command}\n      description: ${JSON.stringify(c.description)}\n      usage_hint: ${JSON.stringify(c.usage_hint)}\n      should_escape: false\n`);
  return HEAD + commands.join("") + TAIL;
}
