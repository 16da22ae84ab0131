import type { Processor } from "../processor.ts";
import appAdd from "./nautobot-app-add.ts";
import { appList, appShow } from "./nautobot-app-list.ts";
import appRemove from "./nautobot-app-remove.ts";

/** /app list | show | add | remove */
export const appProcessors: readonly Processor[] = [
  appList as unknown as Processor,
  appShow as unknown as Processor,
  appAdd as unknown as Processor,
  appRemove as unknown as Processor,
];
