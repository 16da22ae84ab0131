import { z } from "zod";
import { defineCommand } from "../core/command.ts";
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
    const data = job.data as { command?: string; args?: unknown; actor?: { name?: string }; state?: Record<string, unknown> };
    const remote = Object.entries(data.state ?? {})
      .filter(([k]) => k !== "progressRef")
      .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`);
    const lines = [
      `/${data.command} ${JSON.stringify(data.args)} by ${data.actor?.name ?? "?"}`,
      `state: ${state}; attempts: ${job.attemptsMade}/${job.opts.attempts ?? 1}; queued ${new Date(job.timestamp).toISOString()}`,
      ...remote.map((r) => `remote: ${r}`),
    ];
    if (job.returnvalue) lines.push(`outcome: ${(job.returnvalue as { outcome?: string }).outcome ?? "?"}`);
    if (job.failedReason) lines.push(`failed: ${job.failedReason.slice(0, 300)}`);
    return { title: `Job ${args.id}`, state: "info", lines, ephemeral: true };
  },
});
