import type { CommandDefinition } from "../core/command.ts";
import { appCommands } from "./app.ts";
import cancel from "./cancel.ts";
import { cleanupCommands } from "./cleanup-ocp.ts";
import deploy from "./deploy.ts";
import { gitopsCommands } from "./gitops.ts";
import help from "./help.ts";
import history from "./history.ts";
import job from "./job.ts";
import { runnerCommands } from "./runner.ts";
import { scheduleCommands } from "./schedule.ts";
import { alertsCommands } from "./alerts.ts";
import seedAap from "./seed-aap.ts";
import status from "./status.ts";
import run from "./run.ts";
import sync from "./sync.ts";

/** Every chat command, listed explicitly. */
export const COMMANDS: readonly CommandDefinition[] = [
  deploy,
  seedAap,
  sync,
  run,
  ...cleanupCommands,
  ...runnerCommands,
  ...appCommands,
  ...gitopsCommands,
  ...scheduleCommands,
  ...alertsCommands,
  status,
  job,
  cancel,
  history,
  help,
];
