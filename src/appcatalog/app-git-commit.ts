import type { AppEntry } from "../clients/nautobot-schemas.ts";
import { UserError } from "../errors.ts";
import type { JobRun } from "../core/job-run.ts";
import { addAppToYaml, removeAppFromYaml, setAppInYaml } from "./app-list-yaml.ts";
import { GitWorkspace } from "./git-app-list.ts";
import type { Config } from "../config.ts";
import type { AuditLog } from "../core/audit-log.ts";

/** One change to app_list. */
export type AppChange =
  | { kind: "add"; app: string; entry: AppEntry }
  | { kind: "set"; app: string; entry: AppEntry; changed: readonly string[] }
  | { kind: "remove"; app: string };

/** The job this runs in, and what it takes from the worker. */
type Ctx = JobRun<unknown, { config: Config; audit: AuditLog }>;

/** The line in every labops commit that ties it to its job, so a retry can find it on the remote. */
export const jobMarker = (jobId: string) => `Labops-Job: ${jobId}`;

function commitMessage(ctx: Ctx, c: AppChange): string {
  // A display name is free text: on one line, so it cannot add a trailer (a forged Labops-Job) to the message.
  const name = ctx.payload.actor.name.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, " ").trim().slice(0, 80);
  const who = `${name} (${ctx.payload.actor.platform})`;
  const head = c.kind === "add" ? `app_list: add ${c.app} (${c.entry.image} on ${c.entry.host})`
    : c.kind === "set" ? `app_list: set ${c.app} ${c.changed.join(", ")}${c.changed.includes("image") ? ` (${c.entry.image})` : ""}`
    : `app_list: remove ${c.app}`;
  return `${head}\n\nRequested by ${who} with /app ${c.kind} through labops.\n\n${jobMarker(ctx.jobId)}\n`;
}

function edit(text: string, c: AppChange, path: string): string {
  try {
    return c.kind === "add" ? addAppToYaml(text, c.app, c.entry) : c.kind === "set" ? setAppInYaml(text, c.app, c.entry) : removeAppFromYaml(text, c.app);
  } catch (err) {
    // The file and Nautobot disagree (an unsynced commit, a hand edit): say so instead of guessing.
    const why = (err as Error).message;
    throw new UserError("app_list_file_mismatch", `Cannot ${c.kind} \`${c.app}\` in ${path}: ${why}. Nautobot's app_list may be behind the Git branch; sync Nautobot and try again.`);
  }
}

/**
 * Commits the change to `config.git.appListPath` on the configured remote, exactly once per job: the remote is
 * searched for this job's marker before committing, the sha is saved before the push, and a push rejected
 * as non-fast-forward is retried once on a fresh clone. Returns the commit's sha.
 */
export async function commitAppChange(ctx: Ctx, c: AppChange, onStep: (text: string) => void): Promise<{ sha: string; reused: boolean }> {
  const git = ctx.deps.config.git;
  if (ctx.state.pushed && typeof ctx.state.commitSha === "string") return { sha: ctx.state.commitSha, reused: true };
  if (!git.remote) throw new UserError("git_not_configured", "The app_list Git repository is not configured (set GIT_REMOTE), so labops cannot change app_list.");
  const settings = { remote: git.remote, branch: git.branch, authorName: git.authorName, authorEmail: git.authorEmail };
  for (let round = 1; ; round++) {
    onStep(round === 1 ? `Cloning the app_list repository (${git.branch})…` : "The branch moved meanwhile: cloning again to retry the push…");
    const ws = await GitWorkspace.clone(settings, ctx.signal);
    try {
      const already = await ws.findCommit(jobMarker(ctx.jobId));
      if (already) {
        await ctx.save({ commitSha: already, pushed: true });
        return { sha: already, reused: true };
      }
      await ws.write(git.appListPath, edit(await ws.read(git.appListPath), c, git.appListPath));
      const sha = await ws.commit(git.appListPath, commitMessage(ctx, c));
      await ctx.save({ commitSha: sha, pushed: false }); // ownership is checked here, before the push
      onStep(`Pushing ${sha.slice(0, 8)} to ${git.branch}…`);
      if ((await ws.push()) === "pushed") {
        await ctx.save({ pushed: true });
        await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `git commit ${sha}` }).catch(() => {});
        return { sha, reused: false };
      }
      if (round >= 2) throw new UserError("git_push_rejected", `The push to ${git.branch} was rejected twice (the branch keeps moving). Nothing was changed; try again.`);
    } finally {
      await ws.dispose();
    }
  }
}
