import type { Processor } from "../processor.ts";
import aapDeploy from "./aap-deploy.ts";
import aapSeed from "./aap-seed.ts";
import { alertProcessors } from "./alert-processors.ts";
import gitopsSync from "./gitops-sync.ts";
import { gitopsProcessors } from "./gitops-commands.ts";
import labSync from "./lab-sync.ts";
import { scheduleProcessors } from "./schedule-jobs.ts";
import { alertsMuteProcessors } from "./alerts-mutes.ts";
import labopsCancel from "./labops-cancel.ts";
import { appProcessors } from "./nautobot-app.ts";
import { runnerProcessors } from "./proxmox-runner.ts";
import { cleanupProcessors } from "./truenas-cleanup.ts";

const p = (x: unknown) => x as Processor;

/** Every job kind the worker runs, listed explicitly. */
export const PROCESSORS: readonly Processor[] = [
  p(aapDeploy),
  p(aapSeed),
  p(labSync),
  p(labopsCancel),
  ...cleanupProcessors,
  ...runnerProcessors,
  ...appProcessors,
  ...alertProcessors,
  p(gitopsSync),
  ...gitopsProcessors,
  ...scheduleProcessors,
  ...alertsMuteProcessors,
];
