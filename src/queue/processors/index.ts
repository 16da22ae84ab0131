import type { JobName } from "../../core/job-names.ts";
import type { Processor } from "../processor.ts";
import aapApprovalDecide from "./aap-approval-decide.ts";
import aapDeploy from "./aap-deploy.ts";
import aapRun from "./aap-run.ts";
import aapDeployApply from "./aap-deploy-apply.ts";
import aapSeed from "./aap-seed.ts";
import { aapRelaunch, aapShowLog, alertMute } from "./alert-processors.ts";
import { alertsList, alertsMute, alertsUnmute } from "./alerts-mutes.ts";
import { gitopsCheck, gitopsPause, gitopsResume, gitopsStatus } from "./gitops-commands.ts";
import gitopsSync from "./gitops-sync.ts";
import labSync from "./lab-sync.ts";
import labopsCancel from "./labops-cancel.ts";
import appAdd from "./nautobot-app-add.ts";
import { appList, appShow } from "./nautobot-app-list.ts";
import appRemove from "./nautobot-app-remove.ts";
import runnerCreate from "./proxmox-runner-create.ts";
import runnerDestroy from "./proxmox-runner-destroy.ts";
import runnerStatus from "./proxmox-runner-status.ts";
import appSet from "./nautobot-app-set.ts";
import appRestart from "./app-restart.ts";
import appLogs from "./app-logs.ts";
import { scheduleAdd, scheduleList, scheduleRemove } from "./schedule-jobs.ts";
import cleanupExecute from "./truenas-cleanup-execute.ts";
import cleanupPreview from "./truenas-cleanup-preview.ts";
import cleanupRestore from "./truenas-cleanup-restore.ts";
import cleanupPurge from "./truenas-purge.ts";

/** Every job's processor, by job name: a job without one, or a processor under another job's name, does not compile. */
export const PROCESSOR_TABLE = {
  "aap.deploy": aapDeploy,
  "aap.seed": aapSeed,
  "aap.approval-decide": aapApprovalDecide,
  "aap.run": aapRun,
  "aap.deploy-apply": aapDeployApply,
  "aap.relaunch": aapRelaunch,
  "aap.show-log": aapShowLog,
  "alert.mute": alertMute,
  "alerts.list": alertsList,
  "alerts.mute": alertsMute,
  "alerts.unmute": alertsUnmute,
  "app.list": appList,
  "app.show": appShow,
  "app.add": appAdd,
  "app.remove": appRemove,
  "app.set": appSet,
  "app.restart": appRestart,
  "app.logs": appLogs,
  "gitops.sync": gitopsSync,
  "gitops.status": gitopsStatus,
  "gitops.pause": gitopsPause,
  "gitops.resume": gitopsResume,
  "gitops.check": gitopsCheck,
  "lab.sync": labSync,
  "labops.cancel": labopsCancel,
  "proxmox.runner-create": runnerCreate,
  "proxmox.runner-status": runnerStatus,
  "proxmox.runner-destroy": runnerDestroy,
  "schedule.add": scheduleAdd,
  "schedule.list": scheduleList,
  "schedule.remove": scheduleRemove,
  "truenas.cleanup-preview": cleanupPreview,
  "truenas.cleanup-execute": cleanupExecute,
  "truenas.cleanup-restore": cleanupRestore,
  "truenas.cleanup-purge": cleanupPurge,
} satisfies { [N in JobName]: Processor<N> };

/** Every job kind the worker runs. */
export const PROCESSORS: readonly Processor[] = Object.values(PROCESSOR_TABLE);
