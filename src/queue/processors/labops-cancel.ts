import { z } from "zod";
import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";
import { QUEUE_NAME } from "../job-queue.ts";

/** labops.cancel: cancels the AAP job a running labops job follows; that job then reports "canceled". */
export default defineProcessor({
  name: "labops.cancel",
  args: z.object({ id: z.string() }),
  title: (a) => `Cancel job ${a.id}`,
  async run(ctx) {
    const { aap } = ctx.deps;
    // BullMQ keeps a job's data in the hash <prefix>:<queue>:<id>.
    const raw = await ctx.deps.redis.hget(`${ctx.deps.config.redis.prefix}:${QUEUE_NAME}:${ctx.args.id}`, "data");
    if (!raw) throw new UserError("job_unknown", `No job \`${ctx.args.id}\`.`);
    const state = (JSON.parse(raw) as { state?: Record<string, { jobId?: number } | unknown> }).state ?? {};
    const aapJobs = Object.values(state).flatMap((v) => (v && typeof v === "object" && typeof (v as { jobId?: unknown }).jobId === "number" ? [(v as { jobId: number }).jobId] : []));
    if (!aapJobs.length) {
      return { outcome: "failure", message: { title: `Cancel job ${ctx.args.id}`, state: "failure", lines: ["That job has no AAP job to cancel yet; try again in a moment."] } };
    }
    if (!aap) throw new UserError("aap_not_configured", "AAP is not configured.");
    const lines: string[] = [];
    for (const id of aapJobs) {
      const accepted = await aap.cancelJob(id, { signal: ctx.signal });
      lines.push(`AAP job ${id}: ${accepted ? "cancel requested" : "already finished"}`);
    }
    return { outcome: "success", message: { title: `Cancel job ${ctx.args.id}`, state: "success", lines } };
  },
});
