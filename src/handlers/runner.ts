import type { CommandDefinition } from "../core/command.ts";

/** /runner create | status | destroy */
export const runnerCommands: readonly CommandDefinition[] = [];
