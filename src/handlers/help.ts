import { z } from "zod";
import { defineCommand } from "../core/command.ts";

/** Only the commands the asker may run, with their usage. */
export default defineCommand({
  name: "help",
  description: "The commands you may run here, with their usage",
  requires: "viewer",
  args: z.object({}),
  async run({ deps, actor, channel }) {
    const mine = deps.commands.all().filter((c) => deps.permissions.allows(actor, channel, c.def.requires));
    const role = deps.permissions.roleOf(actor, channel);
    return {
      title: `labops commands for ${actor.name} (${role ?? "no role"})`,
      state: "info",
      lines: mine.map((c) => `\`${c.usage}\` — ${c.def.description}`),
      ephemeral: true,
    };
  },
});
