import type { JobOutcome } from "../clients/nautobot.ts";
import { UserError } from "../errors.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import type { Config } from "../config.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { JobRun } from "../core/job-run.ts";

/**
 * Syncs Nautobot's Git repository once (the JobResult id is saved before waiting; a retry re-attaches)
 * and waits for it. A sync can end SUCCESS while logging a bad file: those log errors are returned.
 */
export async function syncNautobotRepository(ctx: JobRun<unknown, { nautobot?: NautobotClient | undefined; config: Config; audit: AuditLog }>, onPoll?: (status: string) => void): Promise<JobOutcome & { repository: string }> {
  const nautobot = ctx.deps.nautobot;
  if (!nautobot) throw new UserError("nautobot_not_configured", "Nautobot is not configured (set NAUTOBOT_URL and NAUTOBOT_TOKEN).");
  const name = ctx.deps.config.nautobotSettings.gitRepository;
  let resultId = ctx.state.nautobotSync as string | undefined;
  if (!resultId) {
    const repo = await nautobot.getGitRepository(name, { signal: ctx.signal });
    if (!repo) throw new UserError("nautobot_repo_missing", `Nautobot has no Git repository named "${name}" (nautobot.gitRepository in the config).`);
    await ctx.ensureOwner();
    resultId = (await nautobot.syncGitRepository(repo.id, { signal: ctx.signal })).id;
    await ctx.save({ nautobotSync: resultId });
    await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `nautobot sync ${resultId}` }).catch(() => {});
  }
  const outcome = await nautobot.waitForJobResult(resultId, {
    signal: ctx.signal,
    intervalMs: Math.min(1_000, ctx.deps.config.aapSettings.pollInterval),
    onPoll: (r) => onPoll?.(r.status.value),
  });
  return { ...outcome, repository: name };
}
