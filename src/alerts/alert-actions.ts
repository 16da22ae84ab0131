import type { ActionHandler } from "../core/dispatch.ts";

/** Buttons on alerts: Show log, Relaunch failed hosts, Mute 1h. */
export const alertActions: readonly ActionHandler[] = [];
