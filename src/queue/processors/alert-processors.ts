import type { Processor } from "../processor.ts";

/** Jobs queued by alert buttons (e.g. relaunch failed hosts). */
export const alertProcessors: readonly Processor[] = [];
