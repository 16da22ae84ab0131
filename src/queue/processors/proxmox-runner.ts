import type { Processor } from "../processor.ts";
import runnerCreate from "./proxmox-runner-create.ts";
import runnerDestroy from "./proxmox-runner-destroy.ts";
import runnerStatus from "./proxmox-runner-status.ts";

/** /runner create | status | destroy */
export const runnerProcessors: readonly Processor[] = [
  runnerCreate as unknown as Processor,
  runnerStatus as unknown as Processor,
  runnerDestroy as unknown as Processor,
];
