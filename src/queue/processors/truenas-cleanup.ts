import type { Processor } from "../processor.ts";
import execute from "./truenas-cleanup-execute.ts";
import preview from "./truenas-cleanup-preview.ts";
import restore from "./truenas-cleanup-restore.ts";
import purge from "./truenas-purge.ts";

/** The jobs of /cleanup-ocp: preview (and purge preview), execute, restore, purge. */
export const cleanupProcessors: readonly Processor[] = [preview, execute, restore, purge] as unknown as Processor[];
