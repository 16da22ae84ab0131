import { z } from "zod";
import { defineCommand } from "../core/command.ts";

export default defineCommand({
  name: "seed-aap",
  description: "Sync the AAP project, run the Seeder, then update the Nautobot inventory source",
  requires: "operator",
  args: z.object({}),
  job: "aap.seed",
  shortcut: true,
  examples: [""],
  mutating: true,
  relaunchFromAlert: true, // the Seeder declares AAP objects: running it again is safe
  lock: () => "aap:project",
});
