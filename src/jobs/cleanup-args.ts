import { z } from "zod";

/** `/cleanup-ocp [--older-than 30d] [--purge]` and the `truenas.cleanup-preview` job. */
export const cleanupArgs = z.object({
  olderThan: z.string().regex(/^\d{1,5}[mhdw]$/, "an age like 30d, 12h or 2w").optional().describe("Only folders older than this (e.g. 30d)"),
  purge: z.boolean().default(false).describe("Destroy held folders past the retention period instead"),
});
