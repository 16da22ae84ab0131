import type { ActionHandler } from "../core/dispatch.ts";

/** Buttons of /cleanup-ocp (confirm, restore, purge). */
export const cleanupActions: readonly ActionHandler[] = [];
