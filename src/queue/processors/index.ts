import type { Processor } from "../processor.ts";
import aapDeploy from "./aap-deploy.ts";
import { alertProcessors } from "./alert-processors.ts";
import { appProcessors } from "./nautobot-app.ts";
import { runnerProcessors } from "./proxmox-runner.ts";
import { cleanupProcessors } from "./truenas-cleanup.ts";

/** Every job kind the worker runs, listed explicitly. */
export const PROCESSORS: readonly Processor[] = [
  aapDeploy as unknown as Processor,
  ...cleanupProcessors,
  ...runnerProcessors,
  ...appProcessors,
  ...alertProcessors,
];
