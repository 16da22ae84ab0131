import type { CommandDefinition } from "../core/command.ts";
import deploy from "./deploy.ts";

/** Every chat command, listed explicitly. */
export const COMMANDS: readonly CommandDefinition[] = [deploy as CommandDefinition];
