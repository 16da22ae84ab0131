import type { Processor } from "../processor.ts";

export const appProcessors: readonly Processor[] = [];
