import { answerFromView, defineCommand, type CommandDefinition } from "../core/command.ts";
import { noArgs } from "../jobs/gitops-args.ts";

const status = defineCommand({ name: "gitops status", description: "The Git revision last seen and synced, when, and the last result", requires: "viewer", args: noArgs, job: "gitops.status",
  run: (ctx) => answerFromView(ctx, "gitops status") });
const pause = defineCommand({ name: "gitops pause", description: "Stop syncing new commits until resumed", requires: "operator", args: noArgs, job: "gitops.pause", mutating: true });
const resume = defineCommand({ name: "gitops resume", description: "Sync new commits again", requires: "operator", args: noArgs, job: "gitops.resume", mutating: true });
const check = defineCommand({ name: "gitops check", description: "Check the Git branch now and follow the sync", requires: "operator", args: noArgs, job: "gitops.check" });

/** /gitops status | pause | resume | check */
export const gitopsCommands: readonly CommandDefinition[] = [status, pause, resume, check] as CommandDefinition[];
