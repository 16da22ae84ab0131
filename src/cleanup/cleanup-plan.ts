/**
 * What travels from the preview to the execute, restore and purge jobs. It is kept server-side (in the
 * button's action payload, then in the job's data), and every job re-validates it against the live config
 * and the live share before acting: a plan is never trusted, only checked.
 */
import { z } from "zod";
import { UserError } from "../errors.ts";
import type { CleanupSettings } from "./cleanup-settings.ts";

const name = z.string().min(1).max(200);

export const plannedFolderSchema = z.object({ name, kind: z.enum(["folder", "dataset"]) });

/** The three facts a plan was made under; a job refuses a plan made under other settings. */
const where = { share: z.string(), dataset: z.string(), pattern: z.string() };

export const executeArgs = z.object({
  ...where,
  folders: z.array(plannedFolderSchema).min(1).max(50),
  previewJobId: z.string(),
});
export type ExecuteArgs = z.infer<typeof executeArgs>;

export const restoreArgs = z.object({
  ...where,
  /** Snapshot name (without `dataset@`) the plain folders come back from. */
  snapshot: z.string().regex(/^[A-Za-z0-9_.:-]+$/),
  plain: z.array(name).max(50),
  held: z.array(z.object({ name, heldId: z.string() })).max(50),
  originJobId: z.string(),
});
export type RestoreArgs = z.infer<typeof restoreArgs>;

export const purgeArgs = z.object({ holdingDataset: z.string(), ids: z.array(z.string()).min(1).max(200) });
export type PurgeArgs = z.infer<typeof purgeArgs>;

/** Refuses a plan made for another share, dataset or pattern than the ones configured now. */
export function checkPlanSettings(plan: { share: string; dataset: string; pattern: string }, s: CleanupSettings): void {
  if (plan.share !== s.share || plan.dataset !== s.dataset || plan.pattern !== s.patternSource) {
    throw new UserError("cleanup_stale", "The TrueNAS cleanup settings changed since this was prepared; nothing was done. Run /cleanup-ocp again.");
  }
}
