import type { Processor } from "../processor.ts";

export const cleanupProcessors: readonly Processor[] = [];
