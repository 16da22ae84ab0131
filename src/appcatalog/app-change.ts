import type { JobOutcome, NautobotClient } from "../clients/nautobot.ts";
import type { AppEntry, ConfigContext } from "../clients/nautobot-schemas.ts";
import { UserError } from "../errors.ts";
import type { JobRun } from "../core/job-run.ts";
import { sleep } from "../sleep.ts";
import type { Steps } from "../core/steps.ts";
import { commitAppChange, type AppChange } from "./app-git-commit.ts";
import type { Config } from "../config.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { AppCatalog } from "./app-catalog.ts";

export type { AppChange };
/** The job this runs in, and what it takes from the worker. */
type Ctx = JobRun<unknown, { config: Config; catalog: AppCatalog; audit: AuditLog }>;
const GIT_OWNER = "extras.gitrepository";

export interface AppChangeResult {
  via: "git" | "patch";
  sha?: string | undefined;
  /** Error-level lines logged by Nautobot's sync (the sync can succeed with some). */
  syncErrors: string[];
}

/**
 * Applies one app_list change where Nautobot takes it from: a Git-owned context gets a commit, a push and a
 * repository sync; any other context a PATCH. Done only once Nautobot's app_list shows the change.
 */
export async function applyAppChange(ctx: Ctx, nb: NautobotClient, context: ConfigContext, c: AppChange, steps: Steps, show: () => void): Promise<AppChangeResult> {
  await ctx.save({ changeStarted: true });
  let result: AppChangeResult;
  if (context.owner_content_type === GIT_OWNER) {
    const commit = await commitAppChange(ctx, c, (t) => (steps.running(t), show()));
    steps.done(`Committed ${commit.sha.slice(0, 8)} to ${ctx.deps.config.git.branch}${commit.reused ? " (found from an earlier attempt)" : ""}`);
    steps.running("Syncing Nautobot's Git repository…");
    show();
    const sync = await syncOnce(ctx, nb, context);
    const syncErrors = sync.errors.map((e) => e.message);
    if (sync.result.status.value !== "SUCCESS") {
      throw new UserError("nautobot_sync_failed", `Nautobot's Git sync ended ${sync.result.status.value}${syncErrors[0] ? `: ${syncErrors[0]}` : ""}. Commit ${commit.sha.slice(0, 8)} is on ${ctx.deps.config.git.branch}; fix the repository and sync again.`);
    }
    if (syncErrors.length) steps.warn(`Nautobot's sync succeeded but logged ${syncErrors.length} error(s)`);
    else steps.done("Nautobot synced the repository");
    result = { via: "git", sha: commit.sha, syncErrors };
  } else {
    steps.running(`Updating config context \`${context.name}\` in Nautobot…`);
    show();
    await patchOnce(ctx, nb, context, c);
    steps.done(`Config context \`${context.name}\` updated (not Git-owned)`);
    result = { via: "patch", syncErrors: [] };
  }
  steps.running("Waiting for Nautobot's app_list to show the change…");
  show();
  await waitVisible(ctx, c, result.syncErrors);
  steps.done(`Nautobot's app_list ${c.kind === "add" ? "lists" : c.kind === "set" ? "shows the change to" : "no longer lists"} \`${c.app}\``);
  return result;
}

/** One sync per job: the JobResult id is saved before waiting, so a retry waits on the same one. */
async function syncOnce(ctx: Ctx, nb: NautobotClient, context: ConfigContext): Promise<JobOutcome> {
  const settings = ctx.deps.config.nautobotSettings;
  let id = ctx.state.syncJobResult as string | undefined;
  if (!id) {
    const repo = await nb.getGitRepository(settings.gitRepository, { signal: ctx.signal });
    const repoId = repo?.id ?? context.owner_object_id;
    if (!repoId) throw new UserError("nautobot_repo_missing", `Nautobot has no Git repository named \`${settings.gitRepository}\` (nautobot.gitRepository).`);
    await ctx.ensureOwner();
    id = (await nb.syncGitRepository(repoId, { signal: ctx.signal })).id;
    await ctx.save({ syncJobResult: id });
  }
  return nb.waitForJobResult(id, { signal: ctx.signal, intervalMs: settings.pollInterval, timeoutMs: settings.syncTimeout });
}

/** PATCH replaces the whole data dict, so it is idempotent; it is skipped when the change is already there. */
async function patchOnce(ctx: Ctx, nb: NautobotClient, context: ConfigContext, c: AppChange): Promise<void> {
  const current = { ...((context.data.app_list ?? {}) as Record<string, unknown>) };
  if (c.kind === "add" || c.kind === "set") {
    if (JSON.stringify(current[c.app]) === JSON.stringify(c.entry)) return;
    if (c.kind === "add" && current[c.app]) return;
    current[c.app] = c.entry;
  } else {
    if (!(c.app in current)) return;
    delete current[c.app];
  }
  await nb.patchConfigContext(context.id, { ...context.data, app_list: current }, { signal: ctx.signal });
}

function shows(apps: Record<string, AppEntry>, c: AppChange): boolean {
  if (c.kind === "remove") return !(c.app in apps);
  const a = apps[c.app];
  if (c.kind === "add") return a?.image === c.entry.image && a?.host === c.entry.host;
  return !!a && ["image", "ports", "volumes", "env"].every((k) => JSON.stringify(a[k as keyof AppEntry]) === JSON.stringify(c.entry[k as keyof AppEntry]));
}

/** Polls Nautobot's app_list (fresh, through the catalog) until the change shows, bounded by the sync timeout. */
async function waitVisible(ctx: Ctx, c: AppChange, syncErrors: string[]): Promise<void> {
  const { pollInterval, syncTimeout } = ctx.deps.config.nautobotSettings;
  // After a sync that logged errors, a missing change is most likely one of them: do not wait long for it.
  const deadline = Date.now() + (syncErrors.length ? 3 * pollInterval : Math.min(syncTimeout, 60_000));
  for (;;) {
    if (shows(await ctx.deps.catalog.apps({ fresh: true, signal: ctx.signal }), c)) return;
    if (Date.now() > deadline) {
      const why = syncErrors.length ? ` The sync logged: ${syncErrors.slice(0, 2).join(" / ")}` : "";
      throw new UserError("app_list_not_updated", `Nautobot's app_list does not show the change to \`${c.app}\` yet.${why}`);
    }
    await sleep(pollInterval, ctx.signal);
  }
}
