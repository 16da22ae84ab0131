import { z } from "zod";

/** `/gitops status|pause|resume|check` take no arguments. */
export const noArgs = z.object({});

const sha = z.string().regex(/^[0-9a-f]{40,64}$/);

/** The `gitops.sync` job the watcher queues for a new commit: the revisions it syncs between. */
export const gitopsSyncArgs = z.object({ from: sha, to: sha, forced: z.boolean().default(false) });
