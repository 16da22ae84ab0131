import { TERMINAL_JOB_STATUSES, type AapClient, type UnifiedJob } from "../clients/aap.ts";
import type { Config } from "../config.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { JobRun } from "../core/job-run.ts";
import { sleep } from "../sleep.ts";

export type UpdateKind = "project" | "inventory";

/**
 * Starts an AAP project or inventory source update once and waits for it. The update id is saved
 * right after the POST; a retry re-attaches to it instead of starting another.
 */
export async function runAapUpdate(
  ctx: JobRun<unknown, { config: Config; audit: AuditLog }>,
  aap: AapClient,
  kind: UpdateKind,
  name: string,
  onPoll: (u: UnifiedJob) => void,
): Promise<UnifiedJob> {
  const key = `${kind}Update`;
  let id = ctx.state[key] as number | undefined;
  if (id === undefined) {
    await ctx.ensureOwner();
    if (kind === "project") {
      const project = await aap.findProject(name, { signal: ctx.signal });
      ({ updateId: id } = await aap.updateProject(project.id, { signal: ctx.signal }));
    } else {
      const source = await aap.findInventorySource(name, { signal: ctx.signal });
      ({ updateId: id } = await aap.updateInventorySource(source.id, { signal: ctx.signal }));
    }
    await ctx.save({ [key]: id });
    await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `aap ${kind} update ${id}` }).catch(() => {});
  }
  const deadline = Date.now() + ctx.deps.config.aapSettings.jobTimeout;
  for (;;) {
    const u = kind === "project" ? await aap.getProjectUpdate(id, { signal: ctx.signal }) : await aap.getInventoryUpdate(id, { signal: ctx.signal });
    onPoll(u);
    if (TERMINAL_JOB_STATUSES.includes(u.status)) return u;
    if (Date.now() > deadline) throw new Error(`AAP ${kind} update ${id} did not finish in time`);
    await sleep(ctx.deps.config.aapSettings.pollInterval, ctx.signal);
  }
}
