import type { z } from "zod";
import { appAddArgs, appListArgs, appLogsArgs, appRemoveArgs, appRestartArgs, appSetArgs, appShowArgs } from "../appcatalog/app-args.ts";
import { executeArgs, purgeArgs, restoreArgs } from "../cleanup/cleanup-plan.ts";
import type { JobName } from "../core/job-names.ts";
import { runnerCreateArgs, runnerDestroyArgs, runnerStatusArgs } from "../runner/runner-args.ts";
import { alertMuteArgs, alertsListArgs, alertsMuteArgs, alertsUnmuteArgs, relaunchArgs, showLogArgs } from "./alert-args.ts";
import { approvalDecideArgs, runJobArgs } from "./approval-args.ts";
import { cancelJobArgs } from "./cancel-args.ts";
import { cleanupArgs } from "./cleanup-args.ts";
import { applyArgs, deployArgs } from "./deploy-args.ts";
import { gitopsSyncArgs, noArgs } from "./gitops-args.ts";
import { scheduleAddArgs, scheduleListArgs, scheduleRemoveArgs } from "./schedule-args.ts";
import { seedArgs, syncArgs } from "./sync-args.ts";

/** What both sides of a job agree on: the schema its arguments are validated with, when queued and again on the worker. */
export interface JobSpec {
  args: z.ZodType<Record<string, unknown>>;
}

/**
 * The one job table: job name → argument schema. Commands take their `job:` from `core/job-names.ts`,
 * processors are listed by the same names (`queue/processors/index.ts`), and the worker parses every job's
 * arguments with the schema here before its processor sees them.
 */
export const JOBS = {
  "aap.deploy": { args: deployArgs },
  "aap.seed": { args: seedArgs },
  "aap.approval-decide": { args: approvalDecideArgs },
  "aap.run": { args: runJobArgs },
  "aap.deploy-apply": { args: applyArgs },
  "aap.relaunch": { args: relaunchArgs },
  "aap.show-log": { args: showLogArgs },
  "alert.mute": { args: alertMuteArgs },
  "alerts.list": { args: alertsListArgs },
  "alerts.mute": { args: alertsMuteArgs },
  "alerts.unmute": { args: alertsUnmuteArgs },
  "app.list": { args: appListArgs },
  "app.show": { args: appShowArgs },
  "app.add": { args: appAddArgs },
  "app.remove": { args: appRemoveArgs },
  "app.set": { args: appSetArgs },
  "app.restart": { args: appRestartArgs },
  "app.logs": { args: appLogsArgs },
  "gitops.sync": { args: gitopsSyncArgs },
  "gitops.status": { args: noArgs },
  "gitops.pause": { args: noArgs },
  "gitops.resume": { args: noArgs },
  "gitops.check": { args: noArgs },
  "lab.sync": { args: syncArgs },
  "labops.cancel": { args: cancelJobArgs },
  "proxmox.runner-create": { args: runnerCreateArgs },
  "proxmox.runner-status": { args: runnerStatusArgs },
  "proxmox.runner-destroy": { args: runnerDestroyArgs },
  "schedule.add": { args: scheduleAddArgs },
  "schedule.list": { args: scheduleListArgs },
  "schedule.remove": { args: scheduleRemoveArgs },
  "truenas.cleanup-preview": { args: cleanupArgs },
  "truenas.cleanup-execute": { args: executeArgs },
  "truenas.cleanup-restore": { args: restoreArgs },
  "truenas.cleanup-purge": { args: purgeArgs },
} as const satisfies Record<JobName, JobSpec>;

/** The arguments a job's processor sees (after the schema's defaults and transforms). */
export type JobArgs<N extends JobName> = z.output<(typeof JOBS)[N]["args"]>;
