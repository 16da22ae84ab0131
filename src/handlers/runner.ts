import { answerFromView, defineCommand, type CommandDefinition } from "../core/command.ts";
import { runnerCreateArgs, runnerDestroyArgs, runnerStatusArgs } from "../runner/runner-args.ts";

const create = defineCommand({
  name: "runner create",
  description: "Create a GitHub Actions runner: Proxmox LXC, Nautobot record, AAP install",
  requires: "operator",
  args: runnerCreateArgs,
  positional: ["name"],
  job: "proxmox.runner-create",
  shortcut: true,
  examples: ["", "runner07 --node pve02"],
  mutating: true,
  relaunchFromAlert: true, // the runner install play is idempotent, under the runner's lock
  // Unnamed creates share one lock, so two of them never pick the same next free name.
  lock: (a) => `proxmox:runner:${a.name ?? "auto"}`,
  complete: { node: "nodes" },
});

const status = defineCommand({
  name: "runner status",
  description: "List runner containers with node, status and uptime",
  requires: "viewer",
  args: runnerStatusArgs,
  job: "proxmox.runner-status",
  shortcut: true,
  examples: [""],
  // From the containers as last read in the background (every 5 min); the job reads Proxmox before that.
  run: (ctx) => answerFromView(ctx, "runner status"),
});

const destroy = defineCommand({
  name: "runner destroy",
  description: "Remove a runner from GitHub, stop and delete its container, and mark it decommissioned in Nautobot",
  requires: "admin",
  args: runnerDestroyArgs,
  positional: ["name"],
  job: "proxmox.runner-destroy",
  shortcut: true,
  examples: ["runner01"],
  mutating: true,
  lock: (a) => `proxmox:runner:${a.name}`,
  complete: { name: "runners" }, // an unknown runner is answered before the confirmation
  confirm: {
    title: (a) => `Destroy runner ${a.name}?`,
    lines: (a) => [`This removes the runner \`${a.name}\` from GitHub, then stops and deletes its LXC and disk in Proxmox. It cannot be undone.`,
      "A runner that is running a GitHub Actions job is left alone."],
    confirmLabel: "Destroy",
  },
});

/** /runner create | status | destroy */
export const runnerCommands: readonly CommandDefinition[] = [create, status, destroy] as CommandDefinition[];
