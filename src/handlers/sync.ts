import { defineCommand } from "../core/command.ts";
import { syncArgs } from "../jobs/sync-args.ts";

export default defineCommand({
  name: "sync",
  description: "Sync the AAP project, the inventory source, Nautobot's Git repository, or all three",
  requires: "operator",
  args: syncArgs,
  positional: ["target"],
  job: "lab.sync",
  examples: ["nautobot", "all"],
  mutating: true,
  lock: (a) => (a.target === "nautobot" ? "nautobot:git" : "aap:project"),
});
