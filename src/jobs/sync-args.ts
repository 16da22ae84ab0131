import { z } from "zod";

/** `/sync <target>` and the `lab.sync` job. */
export const syncArgs = z.object({
  target: z.enum(["project", "inventory", "nautobot", "all"]).describe("What to sync"),
});

/** `/seed-aap` and the `aap.seed` job. */
export const seedArgs = z.object({});
