import { AapIgnoredFieldsError, TERMINAL_JOB_STATUSES, type AapClient, type Job, type JobEvent, type LaunchBody } from "../clients/aap.ts";
import { foldEvents, type JobProgress } from "../clients/aap-progress.ts";
import { ApiError, UserError } from "../errors.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { JobRun } from "../core/job-run.ts";
import type { LaunchRecords } from "../core/launch-records.ts";
import { sleep } from "../sleep.ts";

/** What a job persists about one AAP launch, under its own key in `state`. */
interface LaunchState {
  correlation: string;
  intentAt: number;
  /** The correlation id went into extra_vars (the template prompts for variables). */
  correlated?: boolean | undefined;
  jobId?: number | undefined;
}

/** Polls every followed AAP job in one request per interval (`queue/aap-job-watcher.ts`). */
export interface JobWatcher {
  next(jobId: number, afterCounter: number, signal: AbortSignal): Promise<{ job: Job; events: JobEvent[] }>;
}

/** What launching and following an AAP job takes from the worker: AAP (absent: not configured), its watcher, the launch records, the audit. */
export interface FollowDeps {
  aap?: AapClient | undefined;
  aapWatcher?: JobWatcher | undefined;
  launches: LaunchRecords;
  audit: AuditLog;
}
type Ctx = JobRun<unknown, FollowDeps>;

export interface FollowedJob {
  job: Job;
  progress: JobProgress;
  /** Last lines of output, fetched only when the job did not succeed. */
  tail?: string | undefined;
  reattached: boolean;
}

export interface LaunchOnceOptions {
  aap: AapClient;
  /** Key under `state`: a job with several launches (seed-aap) keeps each apart. */
  key: string;
  template: string;
  body: LaunchBody;
  /** Called on every poll with the latest view (coalesced by the progress message). */
  onProgress: (job: Job, progress: JobProgress) => void;
  pollMs: number;
  timeoutMs: number;
  /** The template's survey variables: AAP takes them in extra_vars without the prompt for variables. */
  surveyVars?: readonly string[] | undefined;
}

const PROMPTS: Record<string, string> = {
  extra_vars: "ask_variables_on_launch",
  limit: "ask_limit_on_launch",
  job_type: "ask_job_type_on_launch",
  inventory: "ask_inventory_on_launch",
  diff_mode: "ask_diff_mode_on_launch",
};

/**
 * Launches an AAP job template exactly once per labops job and follows it to the end.
 *
 * The launch POST is not idempotent, so: an intent (with a correlation id that also travels in
 * `extra_vars.labops_correlation`) is saved before the POST and the AAP job id right after it. A retry
 * or a re-pickup after a crash re-attaches to the saved id; with only an intent, it looks the job up in
 * AAP by correlation and relaunches only if AAP shows none. If AAP cannot be asked, the job fails
 * closed (retried later), never relaunched blindly. Ownership is checked before the POST.
 */
export async function launchOnce(ctx: Ctx, o: LaunchOnceOptions): Promise<FollowedJob> {
  const saved = ctx.state[o.key] as LaunchState | undefined;
  let jobId = saved?.jobId;
  let reattached = jobId !== undefined;
  // Keeps the target taken while this AAP job may run, also through a retry's backoff and a crashed worker.
  if (jobId !== undefined) await ctx.holdRemote(`aap:${jobId}`);
  if (jobId === undefined) {
    const template = await o.aap.findJobTemplate(o.template, { signal: ctx.signal });
    if (saved) {
      jobId = await findByCorrelation(o.aap, template.id, saved, ctx.signal);
      if (jobId !== undefined) {
        reattached = true;
        ctx.log.warn({ aapJob: jobId }, "re-attached to a job launched before a crash");
        await ctx.save({ [o.key]: { ...saved, jobId } });
        await ctx.holdRemote(`aap:${jobId}`);
        await recordLaunch(ctx, jobId, o.template, saved);
      }
    }
    if (jobId === undefined) {
      // The correlation id travels in extra_vars, which AAP accepts only when the template prompts for variables.
      const prompts = await checkPrompts(o, template.id, ctx.signal);
      const intent: LaunchState = { correlation: `${ctx.jobId}/${o.key}/${ctx.attempt}`, intentAt: Date.now(), correlated: prompts.variables };
      await ctx.save({ [o.key]: intent }); // checks ownership: a worker paused past its lock stops here
      await ctx.holdRemote("aap:intent"); // and the target lock: a job that lost it launches nothing
      const body = prompts.variables ? { ...o.body, extra_vars: { ...o.body.extra_vars, labops_correlation: intent.correlation } } : o.body;
      try {
        ({ jobId } = await o.aap.launch(template.id, body, { signal: ctx.signal }));
      } catch (err) {
        if (err instanceof AapIgnoredFieldsError) {
          await ctx.save({ [o.key]: { ...intent, jobId: err.jobId } });
          await ctx.holdRemote(`aap:${err.jobId}`); // the line waits until AAP reports it canceled
          await ctx.deps.launches.markCanceled(err.jobId, "labops").catch(() => {});
          await o.aap.cancelJob(err.jobId).catch(() => false);
        } else if (err instanceof ApiError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429) {
          ctx.remoteDone(); // AAP refused the launch: no job exists
        }
        throw err;
      }
      await ctx.save({ [o.key]: { ...intent, jobId } });
      await ctx.holdRemote(`aap:${jobId}`);
      await recordLaunch(ctx, jobId, o.template, intent);
      await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `aap job ${jobId} (${o.template})` }).catch(() => {});
    }
  }
  return { ...(await follow(ctx, o, jobId)), reattached };
}

/**
 * Remembers that labops launched `jobId` and for which command, so an alert on it knows what it may offer
 * (see LaunchRecords). Best effort: without the record the alert offers no relaunch, which is the safe side.
 */
async function recordLaunch(ctx: Ctx, jobId: number, template: string, intent: LaunchState): Promise<void> {
  const { payload } = ctx;
  await ctx.deps.launches.save(jobId, {
    labopsJob: ctx.jobId, command: payload.command, args: payload.args, template,
    ...(payload.lockKey ? { lockKey: payload.lockKey } : {}), ...(intent.correlated !== false ? { correlation: intent.correlation } : {}),
  }).catch((err: unknown) => ctx.log.warn({ aapJob: jobId, err: String(err) }, "launch record not saved; an alert on this job will offer no relaunch"));
}

/** Refuses a launch whose fields the template would silently drop; tells whether variables are prompted. */
async function checkPrompts(o: LaunchOnceOptions, templateId: number, signal: AbortSignal): Promise<{ variables: boolean }> {
  const req = await o.aap.launchRequirements(templateId, { signal });
  const surveyOnly = req.survey_enabled && Object.keys(o.body.extra_vars ?? {}).every((k) => o.surveyVars?.includes(k));
  const refused = Object.entries(PROMPTS).filter(
    ([field, ask]) => (o.body as Record<string, unknown>)[field] !== undefined && (req as Record<string, unknown>)[ask] !== true && !(field === "extra_vars" && surveyOnly),
  );
  if (refused.length) {
    const list = refused.map(([f, ask]) => `\`${f}\` (enable "${ask}")`).join(", ");
    throw new UserError("aap_prompt_disabled", `The AAP template "${o.template}" would silently ignore ${list}. Nothing was launched; enable the prompt on the template, or run /seed-aap.`);
  }
  return { variables: req.ask_variables_on_launch === true };
}

/**
 * After a crash between the launch POST and saving its id: the job launched by this intent, if AAP has
 * one. With a correlation id in extra_vars the match is exact; a template that does not prompt for
 * variables can only be matched by time (the first job of the template created after the intent).
 */
async function findByCorrelation(aap: AapClient, templateId: number, saved: LaunchState, signal: AbortSignal): Promise<number | undefined> {
  const since = new Date(saved.intentAt - (saved.correlated === false ? 5_000 : 120_000)).toISOString();
  const filter = { job_template: templateId, created__gt: since, order_by: "id" };
  if (saved.correlated === false) return (await aap.listJobs(filter, { signal }))[0]?.id;
  // Newer AWX-family servers leave extra_vars out of job lists: the candidates' details carry them.
  const jobs = await aap.listJobsWithVars(filter, { signal });
  const match = jobs.find((j) => {
    try {
      return (JSON.parse(j.extra_vars || "{}") as Record<string, unknown>).labops_correlation === saved.correlation;
    } catch {
      return false;
    }
  });
  return match?.id;
}

/** Polls AAP job `jobId` to its end (events folded, tail on failure); used by launchOnce and by re-attaching jobs such as aap.relaunch. */
export async function follow(ctx: Ctx, o: LaunchOnceOptions, jobId: number): Promise<Omit<FollowedJob, "reattached">> {
  let progress: JobProgress | undefined;
  const deadline = Date.now() + o.timeoutMs;
  let terminalPolls = 0;
  // The worker's watcher polls all followed jobs together; without one (a bare client), poll this job alone.
  const watcher = o.aap === ctx.deps.aap ? ctx.deps.aapWatcher : undefined;
  for (;;) {
    const after = progress?.lastCounter ?? 0;
    const { job, events } = watcher
      ? await watcher.next(jobId, after, ctx.signal)
      : { job: await o.aap.getJob(jobId, { signal: ctx.signal }), events: await o.aap.jobEvents(jobId, { afterCounter: after, signal: ctx.signal }) };
    progress = foldEvents(progress, events);
    o.onProgress(job, progress);
    if (TERMINAL_JOB_STATUSES.includes(job.status)) {
      // Events can lag the terminal status for a few seconds (event_processing_finished).
      ctx.remoteDone();
      if (job.event_processing_finished !== false || ++terminalPolls >= 5) {
        const tail = job.status === "successful" ? undefined : await o.aap.stdoutTail(jobId, 15, { signal: ctx.signal }).catch(() => undefined);
        return { job, progress, tail };
      }
    }
    if (Date.now() > deadline) {
      throw new UserError("aap_timeout", `AAP job ${jobId} did not finish within ${Math.round(o.timeoutMs / 60_000)} min; it is still running in AAP: ${o.aap.jobUrl(jobId)}`);
    }
    if (!watcher) await sleep(o.pollMs, ctx.signal);
  }
}

