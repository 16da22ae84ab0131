import { z } from "zod";
import { cronProblem, isTimeZone } from "../schedules/cron.ts";

/** `/schedule add "<cron>" <command>`, `/schedule list`, `/schedule remove <id>` and their jobs. */
export const scheduleAddArgs = z.object({
  cron: z.string().min(1).max(100).describe("Cron expression in quotes: 5 fields, or 6 with seconds first"),
  command: z.string().min(1).max(500).describe("The command to run, e.g. sync all"),
  tz: z.string().max(64).refine(isTimeZone, "not a time zone (use e.g. UTC or Europe/Berlin)").optional().describe("Time zone of the cron, e.g. Europe/Berlin (default: the timeZone setting)"),
}).superRefine((a, ctx) => {
  const problem = cronProblem(a.cron, a.tz ?? "UTC");
  if (problem) ctx.addIssue({ code: "custom", path: ["cron"], message: problem });
});
export const scheduleListArgs = z.object({});
export const scheduleRemoveArgs = z.object({ schedule: z.string().regex(/^s[0-9a-f]{6}$/, "a schedule id like s1a2b3c").describe("Schedule id from /schedule list") });
