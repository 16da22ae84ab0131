import { z } from "zod";
import { defineCommand } from "../core/command.ts";
import { formatArgs, formatTime, readable } from "../core/format.ts";
import { UserError } from "../errors.ts";

export const jobIdArg = z.string().regex(/^[0-9a-f]{12}$/, "a labops job id (12 hex characters, shown when the job was queued)").describe("labops job id");

/** One job: state, attempts, remote ids, outcome. Reads Redis only. */
export default defineCommand({
  name: "job",
  description: "Show one labops job: state, attempts, remote ids and outcome",
  requires: "viewer",
  args: z.object({ id: jobIdArg }),
  positional: ["id"],
  examples: ["0123456789ab"],
  async run({ args, deps }) {
    const job = await deps.jobs.queue.getJob(args.id);
    if (!job) throw new UserError("job_unknown", `No job \`${args.id}\` (finished jobs are kept for 24 hours).`);
    const state = await job.getState();
    const data = job.data as { command?: string; args?: Record<string, unknown>; actor?: { name?: string; platform?: string }; state?: Record<string, unknown> };
    const cmd = data.command ? deps.commands.get(data.command) : undefined;
    const typed = data.command ? `/${deps.commands.typed(data.command)}` : "(unknown command)";
    const shown = cmd && data.args ? formatArgs(cmd.specs, data.args) : "";
    const outcome = (job.returnvalue as { outcome?: string } | undefined)?.outcome;
    const tz = deps.timeZone;
    const when = [`queued ${formatTime(job.timestamp, tz)}`];
    if (job.processedOn) when.push(`started ${formatTime(job.processedOn, tz)}`);
    if (job.finishedOn) when.push(`finished ${formatTime(job.finishedOn, tz)}`);
    const lines = [
      `${[typed, shown].filter(Boolean).join(" ")} by ${data.actor?.name ?? "?"}${data.actor?.platform ? ` (${data.actor.platform})` : ""}`,
      `state: ${state}${outcome ? ` (${outcome})` : ""} · attempt ${job.attemptsMade + (state === "active" ? 1 : 0)} of ${job.opts.attempts ?? 1}`,
      when.join(" · "),
      ...Object.entries(data.state ?? {}).filter(([k]) => k !== "progressRef").map(([k, v]) => `${k}: ${readable(v)}`),
    ];
    if (job.failedReason) lines.push(`failed: ${job.failedReason.slice(0, 300)}`);
    return { title: `Job ${args.id}`, state: "info", lines, ephemeral: true };
  },
});

