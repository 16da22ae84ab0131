import type { GitHubClient } from "../clients/github.ts";
import { ApiError, UserError } from "../errors.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { JobRun } from "../core/job-run.ts";
import type { Steps } from "../core/steps.ts";

/** The job this runs in, and what it takes from the worker. */
type Ctx = JobRun<unknown, { audit: AuditLog }>;

/** Said when a busy runner is refused: GitHub would cut its job off mid-run. */
function busy(name: string, scope: string): UserError {
  return new UserError("runner_busy", `Runner \`${name}\` is running a GitHub Actions job in ${scope} right now, so labops left it alone (nothing was removed). ` +
    "Wait for the job to finish, or cancel it on GitHub, then run `/runner destroy` again.");
}

/**
 * Removes the runner from GitHub (the runner was registered there by "Deploy GitHub Runner" under its host
 * name), before its container goes, so it does not linger "offline" in Settings › Actions › Runners. A runner
 * running a job is refused with nothing touched. Retry-safe: the removal is saved once done, and a runner
 * already gone (404, or not listed) counts as removed.
 */
export async function deregisterRunner(ctx: Ctx, gh: GitHubClient | undefined, name: string, steps: Steps): Promise<void> {
  if (!gh) {
    steps.warn("GitHub is not configured (GITHUB_RUNNER_URL, GITHUB_TOKEN): remove the runner in Settings › Actions › Runners by hand");
    return;
  }
  const scope = gh.scopeName;
  if (ctx.state.githubRemoved) {
    steps.done(`Removed from GitHub ${scope}`);
    return;
  }
  const runner = await gh.findRunner(name, { signal: ctx.signal });
  if (!runner) {
    await ctx.save({ githubRemoved: true });
    steps.done(`Not registered on GitHub ${scope}: nothing to remove there`);
    return;
  }
  if (runner.busy) throw busy(name, scope);
  await ctx.ensureOwner();
  await ctx.save({ githubRunnerId: runner.id });
  let result: "deleted" | "gone";
  try {
    result = await gh.deleteRunner(runner.id, { signal: ctx.signal });
  } catch (err) {
    // It took a job between the list and the delete: GitHub refuses, and the container stays.
    if (err instanceof ApiError && err.status === 422) throw busy(name, scope);
    throw err;
  }
  await ctx.save({ githubRemoved: true });
  await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `github remove runner ${runner.id} from ${scope}` }).catch(() => {});
  steps.done(result === "deleted" ? `Removed from GitHub ${scope} (runner id ${runner.id}, was ${runner.status})` : `Already removed from GitHub ${scope}`);
}
