import { formatTime } from "../../core/format.ts";
import type { Message } from "../../core/message.ts";
import { UserError } from "../../errors.ts";
import type { ScheduleService } from "../../schedules/schedule-service.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import type { ProcessorDeps } from "../systems.ts";


function service(ctx: ProcessorContext<unknown, ProcessorDeps<"schedules">>): ScheduleService {
  return ctx.deps.schedules;
}

const when = (ms: number | undefined, tz: string) => (ms ? formatTime(ms, tz) : "—");
const where = (c: { platform: string; channel: string }) => `${c.platform}:${c.channel}`;

/** schedule.add: stores the schedule and creates its job scheduler (the ack path checked it; checked again here). */
export const scheduleAdd = defineProcessor({
  name: "schedule.add",
  needs: ["schedules"],
  title: (a) => `Schedule \`${a.command.slice(0, 60)}\``,
  async run(ctx) {
    const s = service(ctx);
    const rec = await s.add({ cron: ctx.args.cron, tz: ctx.args.tz ?? ctx.deps.config.timeZone, text: ctx.args.command, actor: ctx.payload.actor, channel: ctx.payload.channel });
    const next = (await s.list()).find((x) => x.id === rec.id)?.next;
    return {
      outcome: "success",
      message: {
        title: `Schedule ${rec.id} added`, state: "success",
        lines: [`\`/${rec.text}\` runs \`${rec.cron}\` (${rec.tz}) as ${rec.owner.name}, posting here. Next run: ${when(next, ctx.deps.config.timeZone)}.`,
          "Your role is checked again at every run; `/labops schedule remove " + rec.id + "` stops it."],
      },
      details: { schedule: rec.id, cron: rec.cron, tz: rec.tz, command: rec.text },
    };
  },
});

/** schedule.list (viewer): every schedule, with its zone, owner, channel and next run. */
export const scheduleList = defineProcessor({
  name: "schedule.list",
  needs: ["schedules"],
  title: () => "Schedules",
  async run(ctx) {
    return { outcome: "success", message: await scheduleListMessage(service(ctx), ctx.deps.config.timeZone) };
  },
});

/** The answer of /schedule list: every schedule with its zone, owner, channel and next run (shown in `tz`). Reads Redis only. */
export async function scheduleListMessage(schedules: ScheduleService, tz: string): Promise<Message> {
  const all = await schedules.list();
  const lines = all.map((s) => `\`${s.id}\` · \`${s.cron}\` ${s.tz} · \`/${s.text.slice(0, 80)}\` · by ${s.owner.name} · in ${where(s.channel)} · next ${when(s.next, tz)}`);
  return { title: `Schedules (${all.length})`, state: "success", lines: lines.length ? lines : ["No schedules. Add one with `/labops schedule add \"0 3 * * *\" sync all`."] };
}

/** schedule.remove (operator, and the schedule's owner or an admin, checked here against the grants in force): removes the schedule and its job scheduler. */
export const scheduleRemove = defineProcessor({
  name: "schedule.remove",
  needs: ["schedules"],
  title: (a) => `Remove schedule ${a.schedule}`,
  async run(ctx) {
    const rec = await service(ctx).remove(ctx.args.schedule, { actor: ctx.payload.actor, channel: ctx.payload.channel });
    if (!rec) throw new UserError("schedule_unknown", `There is no schedule \`${ctx.args.schedule}\`. See \`/labops schedule list\`.`);
    return {
      outcome: "success",
      message: { title: `Schedule ${rec.id} removed`, state: "success", lines: [`\`/${rec.text}\` (${rec.cron}, ${rec.tz}, by ${rec.owner.name}) no longer runs.`] },
      details: { schedule: rec.id },
    };
  },
});

