import type { Processor } from "../processor.ts";
import aapDeploy from "./aap-deploy.ts";

/** Every job kind the worker runs, listed explicitly. */
export const PROCESSORS: readonly Processor[] = [aapDeploy as unknown as Processor];
