import type { CommandDefinition } from "../core/command.ts";

/** /cleanup-ocp: preview, confirm, snapshot, delete, restore, purge. */
export const cleanupCommands: readonly CommandDefinition[] = [];
