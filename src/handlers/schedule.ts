import { answerFromView, defineCommand, type CommandDefinition } from "../core/command.ts";
import { scheduleAddArgs, scheduleListArgs, scheduleRemoveArgs } from "../jobs/schedule-args.ts";
import { checkSchedule } from "../schedules/schedule-check.ts";

const add = defineCommand({
  name: "schedule add",
  description: "Run a command on a cron schedule, as you, posting in this channel",
  requires: "operator",
  args: scheduleAddArgs,
  positional: ["cron", "command"],
  rest: "command",
  job: "schedule.add",
  mutating: true,
  // Checked here too (no backend call), so a typo or a missing role is answered at once.
  async run(ctx) {
    // Without --tz, the cron runs in the timeZone setting, fixed now (a later change of the setting does not move it).
    const tz = ctx.args.tz ?? ctx.deps.timeZone ?? "UTC";
    checkSchedule(ctx.deps, { cron: ctx.args.cron, tz, text: ctx.args.command, actor: ctx.actor, channel: ctx.channel, minIntervalMs: 0 });
    return ctx.enqueue(undefined, { tz });
  },
});
const list = defineCommand({ name: "schedule list", description: "List the schedules", requires: "viewer", args: scheduleListArgs, job: "schedule.list",
  run: (ctx) => answerFromView(ctx, "schedule list") });
const remove = defineCommand({ name: "schedule remove", description: "Remove a schedule (yours, or any as an admin)", requires: "operator", args: scheduleRemoveArgs, positional: ["schedule"], job: "schedule.remove", mutating: true });

/** /schedule add | list | remove */
export const scheduleCommands: readonly CommandDefinition[] = [add, list, remove] as CommandDefinition[];
