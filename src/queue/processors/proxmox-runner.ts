import type { Processor } from "../processor.ts";

export const runnerProcessors: readonly Processor[] = [];
