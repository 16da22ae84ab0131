import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadGitDatasource, type LoadedDatasource } from "./git-datasource.ts";
import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { addRec, Link, nowIso, type LogFn, type Rec, type RecStore } from "./model.ts";
import type { NautobotState } from "./state.ts";
import { recJson } from "./serializers.ts";
import { originOf } from "./routes.ts";
import { applyDatasource } from "./datasource.ts";
import { atLeast } from "../../src/clients/system-version.ts";

/** POST extras/git-repositories/:id/sync/: queues a GitRepositorySync job result (503 without a worker). */
export function startSync(st: NautobotState, req: FakeRequest, id: string): FakeResponse {
  const repo = st.recs.get(id);
  if (!repo || repo.type !== "extras.gitrepository") return { status: 404, body: { detail: "Not found." } };
  if (st.noWorker) {
    return { status: 503, body: { detail: "Unable to process request: No celery workers running on queue default." } };
  }
  const created = nowIso();
  const jobId = randomUUID();
  const job = addRec(st, "extras.jobresult", jobId, "", {
    status: { value: "PENDING", label: "PENDING" }, name: "Git Repository: Sync", task_name: null,
    date_created: created, date_started: null, date_done: null, result: null, worker: null,
    task_args: [], task_kwargs: { repository: id }, celery_kwargs: {}, traceback: null, meta: null,
    job_model: new Link(st.syncJob.id), user: new Link(st.user.id), scheduled_job: null,
    custom_fields: {}, computed_fields: {}, files: [],
  }, jobId);
  setSyncStatus(job, "PENDING");
  st.gitQueue = st.gitQueue.then(() => runSync(st, job)).catch(() => {});
  const name = String(repo.fields.name);
  const message = `Repository ${name} sync job added to queue.`;
  // The answer names the JobResult only from 2.4.2 on; before, a client finds it among the job results.
  if (!atLeast(st.version, 2, 4, 2)) return { status: 200, body: { message } };
  return { status: 200, body: { message, job_result: recJson(st, job, 0, originOf(req)) } };
}

function setSyncStatus(job: Rec, status: string): void {
  job.fields.status = { value: status, label: status };
  const started = String(job.fields.date_created).replace("T", " ").replace("Z", "+00:00");
  job.display = `Git Repository: Sync started at ${started} (${status})`;
}

function delayStep(st: NautobotState, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      st.timers.delete(t);
      resolve();
    }, ms);
    st.timers.set(t, resolve);
  });
}

/** GitRepositorySync: refresh the local copy, reload its contents; bad files are logged, not fatal. */
async function runSync(st: NautobotState, job: Rec): Promise<void> {
  const repo = st.repo;
  const log: LogFn = (level, grouping, message, obj) => logJob(st, job, level, grouping, message, obj);
  await delayStep(st, st.stepMs);
  if (st.closed) return;
  setSyncStatus(job, "STARTED");
  Object.assign(job.fields, { date_started: nowIso(), worker: "celery@nautobot-worker", task_name: "nautobot.core.jobs.GitRepositorySync" });
  log("info", "initialization", "Running job");
  log("info", "run", `Creating/refreshing local copy of Git repository "${String(repo.fields.name)}"...`);
  let loaded: LoadedDatasource;
  try {
    const { dir, head, branch, changed } = await checkout(st);
    if (changed) log("info", "run", "Repository successfully refreshed");
    Object.assign(repo.fields, { current_head: head, branch, last_updated: nowIso() });
    log("info", "run", `${String(repo.fields.name)}: the current Git repository hash is "${head}"`, String(repo.fields.name));
    loaded = loadGitDatasource(dir);
  } catch (err) {
    const message = (err as Error).message;
    log("error", "run", message);
    log("info", "run", "Repository synchronization completed");
    await delayStep(st, st.stepMs);
    if (st.closed) return;
    return finishSync(job, "FAILURE", `Traceback (most recent call last):\nRuntimeError: ${message}`);
  }
  await delayStep(st, st.stepMs);
  if (st.closed) return;
  applyDatasource(st, loaded, log);
  log("info", "run", "Repository synchronization completed");
  log("info", "post_run", "Job completed");
  finishSync(job, "SUCCESS", null);
}

function finishSync(job: Rec, status: "SUCCESS" | "FAILURE", traceback: string | null): void {
  setSyncStatus(job, status);
  Object.assign(job.fields, { date_done: nowIso(), traceback });
}

function logJob(st: RecStore, job: Rec, level: string, grouping: string, message: string, obj?: string): void {
  const created = nowIso();
  addRec(st, "extras.joblogentry", randomUUID(), message, {
    job_result: new Link(job.id), log_level: level, grouping, message, created,
    log_object: obj ?? null, absolute_url: null,
  }, randomUUID());
}

/** A checkout of the remote's default branch (clone once, then fetch), or `seedDir` as is without a remote. */
export async function checkout(st: NautobotState): Promise<{ dir: string; head: string; branch: string; changed: boolean }> {
  if (st.gitRemote === undefined) {
    if (!existsSync(st.seedDir)) throw new Error(`seed directory ${st.seedDir} does not exist`);
    const head = await git(["rev-parse", "HEAD"], st.seedDir).catch(() => "");
    return { dir: st.seedDir, head, branch: "main", changed: true };
  }
  let dir: string;
  let fresh = false;
  if (st.checkoutDir === undefined) {
    const parent = await mkdtemp(join(tmpdir(), "fake-nautobot-git-"));
    dir = join(parent, "repo");
    try {
      await git(["clone", "--quiet", "--no-checkout", "--", st.gitRemote, dir], parent);
    } catch (err) {
      await rm(parent, { recursive: true, force: true });
      throw err;
    }
    st.checkoutDir = parent;
    fresh = true;
  } else {
    dir = join(st.checkoutDir, "repo");
    await git(["fetch", "--quiet", "--prune", "origin"], dir);
    await git(["remote", "set-head", "origin", "--auto"], dir);
  }
  const before = fresh ? "" : await git(["rev-parse", "--verify", "--quiet", "HEAD"], dir).catch(() => "");
  const ref = await git(["symbolic-ref", "--short", "refs/remotes/origin/HEAD"], dir).catch(() => {
    throw new Error(`Git repository ${st.gitRemote} has no default branch (is it empty?)`);
  });
  await git(["checkout", "--quiet", "--force", "--detach", ref], dir);
  const head = await git(["rev-parse", "HEAD"], dir);
  return { dir, head, branch: ref.replace(/^origin\//, ""), changed: before !== head };
}

/** Runs the git CLI without prompts; resolves with trimmed stdout, rejects with git's first stderr line. */
function git(args: string[], cwd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    // core.askPass=true answers any credential prompt with nothing, so a private remote fails instead of hanging.
    execFile(
      "git",
      ["-c", "core.askPass=true", ...args],
      { cwd, timeout: 30_000 },
      (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const line = stderr.split("\n").find((l) => l.trim()) ?? err.message;
        reject(new Error(line.trim()));
      },
    );
  });
}
