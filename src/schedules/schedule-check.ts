import type { Actor, ChannelRef } from "../core/actor.ts";
import type { RegisteredCommand } from "../core/command-registry.ts";
import { roleFor } from "../core/command.ts";
import type { AckDeps } from "../core/dispatch.ts";
import { parseText } from "../core/parse-text.ts";
import { UserError } from "../errors.ts";
import { cronProblem, shortestGapMs } from "./cron.ts";

/** The owner as a scheduled run sees them: their own grants only, since group memberships are not known at run time. */
export function ownerForRuns(actor: Actor): Actor {
  return { platform: actor.platform, id: actor.id, name: actor.name, groups: [] };
}

/**
 * Checks a schedule before it is stored, on the acknowledgement path (no backend call): the cron in its zone,
 * the shortest gap between runs, the command (known, no confirmation, not /schedule itself) and its arguments,
 * and that the owner holds the command's role through their own grants.
 */
export function checkSchedule(
  ack: Pick<AckDeps, "commands" | "permissions">,
  o: { cron: string; tz: string; text: string; actor: Actor; channel: ChannelRef; minIntervalMs: number },
): { cmd: RegisteredCommand; args: Record<string, unknown> } {
  const problem = cronProblem(o.cron, o.tz);
  if (problem) throw new UserError("bad_cron", `${problem}. Example: \`/labops schedule add "0 3 * * *" --tz Europe/Berlin sync all\`.`);
  const gap = shortestGapMs(o.cron, o.tz);
  if (gap < o.minIntervalMs) {
    throw new UserError("schedule_too_often", `\`${o.cron}\` runs every ${Math.round(gap / 1000)} s at times; schedules may run at most every ${Math.round(o.minIntervalMs / 1000)} s (schedules.minInterval).`);
  }
  const line = o.text.trim().replace(/^\//, "");
  const [root = "", ...rest] = line.split(/\s+/);
  const r = ack.commands.resolve(root, rest.join(" "));
  if ("error" in r) throw new UserError("schedule_bad_command", r.error);
  const cmd = r.cmd;
  if (cmd.def.name.startsWith("schedule")) throw new UserError("schedule_bad_command", "A schedule cannot run `/labops schedule`.");
  if (cmd.def.confirm) throw new UserError("schedule_bad_command", `\`/${cmd.def.name}\` asks for a confirmation, which nobody is there to click at a scheduled run: it cannot be scheduled.`);
  const parsed = cmd.def.args.safeParse(parseText(r.rest, cmd.specs, cmd.usage));
  if (!parsed.success) throw new UserError("schedule_bad_command", `\`/${line}\`: ${parsed.error.issues[0]?.message ?? "bad arguments"}.\nUsage: \`${cmd.usage}\``);
  const needed = roleFor(cmd.def, parsed.data as Record<string, unknown>);
  if (!ack.permissions.allows(ownerForRuns(o.actor), o.channel, needed)) {
    const viaGroup = ack.permissions.allows(o.actor, o.channel, needed);
    throw new UserError("forbidden", viaGroup
      ? `\`/${cmd.def.name}\` needs the ${needed} role, which you hold here through a group; a scheduled run counts only grants to you as a user (group memberships are not known when it runs). Ask an admin for a user grant.`
      : `\`/${cmd.def.name}\`${needed !== cmd.def.requires ? " with these arguments" : ""} needs the ${needed} role, which you do not have here.`);
  }
  return { cmd, args: parsed.data as Record<string, unknown> };
}
