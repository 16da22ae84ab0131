/**
 * Every job the worker runs, named `system.verb`. Core knows only the names (what a command, a button or a
 * schedule may enqueue); `jobs/job-table.ts` gives each its argument schema and `queue/processors/index.ts`
 * its processor, both checked against this list by the compiler (`satisfies Record<JobName, …>`), so a
 * misspelt job name anywhere fails to compile.
 */
export const JOB_NAMES = [
  "aap.deploy",
  "aap.seed",
  "aap.approval-decide",
  "aap.run",
  "aap.deploy-apply",
  "aap.relaunch",
  "aap.show-log",
  "alert.mute",
  "alerts.list",
  "alerts.mute",
  "alerts.unmute",
  "app.list",
  "app.show",
  "app.add",
  "app.remove",
  "app.set",
  "app.restart",
  "app.logs",
  "gitops.sync",
  "gitops.status",
  "gitops.pause",
  "gitops.resume",
  "gitops.check",
  "lab.sync",
  "labops.cancel",
  "proxmox.runner-create",
  "proxmox.runner-status",
  "proxmox.runner-destroy",
  "schedule.add",
  "schedule.list",
  "schedule.remove",
  "truenas.cleanup-preview",
  "truenas.cleanup-execute",
  "truenas.cleanup-restore",
  "truenas.cleanup-purge",
] as const;

export type JobName = (typeof JOB_NAMES)[number];

export function isJobName(name: string): name is JobName {
  return (JOB_NAMES as readonly string[]).includes(name);
}
