import type { CommandDefinition } from "../core/command.ts";

/** /app list | show | add | remove */
export const appCommands: readonly CommandDefinition[] = [];
