import type { CommandDefinition } from "../core/command.ts";
import { defineCommand } from "../core/command.ts";
import { cleanupLockKey } from "../cleanup/cleanup-settings.ts";
import { cleanupArgs } from "../jobs/cleanup-args.ts";

/**
 * The share's dataset as configured by default. The command's lock function sees only its arguments, not the
 * config, so the preview locks the default share; the execute, restore and purge jobs lock the configured one
 * (their lock key is made on the worker side and kept in the button's payload).
 */
const DEFAULT_DATASET = "Media/docker-media";

/** /cleanup-ocp: preview, confirm, snapshot, delete, restore; --purge destroys held folders past retention. */
const cleanupOcp = defineCommand({
  name: "cleanup-ocp",
  description:
    "Remove old OpenShift folders from the TrueNAS docker share: a preview with Confirm, a snapshot first, a Restore button. " +
    "--purge destroys folders held past the retention period.",
  requires: "admin",
  args: cleanupArgs,
  job: "truenas.cleanup-preview",
  shortcut: true,
  examples: ["", "--older-than 30d", "--purge"],
  mutating: true,
  lock: () => cleanupLockKey(DEFAULT_DATASET),
});

export const cleanupCommands: readonly CommandDefinition[] = [cleanupOcp];
