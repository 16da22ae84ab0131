import type { CommandDefinition } from "../core/command.ts";
import { appCommands } from "./app.ts";
import { cleanupCommands } from "./cleanup-ocp.ts";
import deploy from "./deploy.ts";
import { runnerCommands } from "./runner.ts";

/** Every chat command, listed explicitly. */
export const COMMANDS: readonly CommandDefinition[] = [
  deploy as CommandDefinition,
  ...cleanupCommands,
  ...runnerCommands,
  ...appCommands,
];
