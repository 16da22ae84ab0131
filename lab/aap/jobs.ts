import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { ACTIVE, OTHER_PROMPTS, PROMPTED, USER, type JobRec, type Obj, type Tpl } from "./records.ts";
import { nameOf, recOf, recsOf } from "./objects.ts";
import { later, type AapState } from "./state.ts";
import { hostStatusCounts, playbookFile, playbookSteps } from "./playbook-steps.ts";
import { emitEvent } from "./events.ts";
import { jobBody } from "./job-serializers.ts";
import { parseExtraVars, pyIso, pyJson } from "./format.ts";
import { applySurvey } from "./surveys.ts";

/** POST job_templates/:id/launch/: validates, applies the template's prompts (reporting `ignored_fields`) and starts a job. */
export function launchJob(s: AapState, t: Tpl, req: FakeRequest): FakeResponse {
  if (typeof req.body === "string") return { status: 400, body: { detail: "JSON parse error - Expecting value: line 1 column 1 (char 0)" } };
  const body = (req.body ?? {}) as Obj;
  // Field validation (JobLaunchSerializer fields) runs before the prompt check drops anything.
  if (body.job_type !== undefined && body.job_type !== "run" && body.job_type !== "check") {
    return { status: 400, body: { job_type: [`"${String(body.job_type)}" is not a valid choice.`] } };
  }
  if (body.inventory !== undefined && !recOf(s, "inventories", body.inventory)) {
    return { status: 400, body: { inventory: [`Invalid pk "${String(body.inventory)}" - object does not exist.`] } };
  }
  const ignored: Obj = {};
  const accepted: Obj = {};
  // An enabled survey takes its answers from extra_vars whether or not the template prompts for variables.
  const survey = t.fields.survey_enabled === true && t.survey ? t.survey : undefined;
  let surveyed: Obj = {};
  let passwords: string[] = [];
  if (survey) {
    const given = body.extra_vars === undefined ? {} : parseExtraVars(body.extra_vars);
    if (typeof given === "string") return { status: 400, body: { extra_vars: [given] } };
    const r = applySurvey(survey, given);
    if (r.errors.length) return { status: 400, body: { variables_needed_to_start: r.errors } };
    surveyed = r.accepted;
    passwords = r.passwords;
    if (Object.keys(r.rest).length) (t.ask.variables ? accepted : ignored).extra_vars = r.rest;
  }
  for (const [k, v] of Object.entries(body)) {
    if (survey && k === "extra_vars") continue;
    const ask = PROMPTED[k];
    if (ask ? t.ask[ask] : false) accepted[k] = v;
    else if (ask || OTHER_PROMPTS.includes(k)) ignored[k] = v;
  }
  let extraVars: Obj = {};
  if (accepted.extra_vars !== undefined) {
    const parsed = parseExtraVars(accepted.extra_vars);
    if (typeof parsed === "string") return { status: 400, body: { extra_vars: [parsed] } };
    extraVars = parsed;
  }
  extraVars = { ...surveyed, ...extraVars };
  if (ignored.extra_vars !== undefined) {
    const parsed = parseExtraVars(ignored.extra_vars);
    ignored.extra_vars = typeof parsed === "string" ? ignored.extra_vars : parsed;
  }
  const inventory = accepted.inventory ?? t.inventory;
  if (inventory === null) return { status: 400, body: { resources_needed_to_start: ["Job Template inventory is missing or undefined."] } };

  const job = createJob(s, t, {
    extraVars,
    limit: typeof accepted.limit === "string" ? accepted.limit : "",
    jobType: accepted.job_type === "check" ? "check" : "run",
    diffMode: accepted.diff_mode === true,
    launchType: "manual",
  });
  if (passwords.length) job.surveyPasswords = passwords;
  s.launches.push({ jobId: job.id, templateName: t.name, extraVars: { ...extraVars }, limit: job.limit, jobType: job.jobType, diffMode: job.diffMode === true });
  return {
    status: 201,
    headers: { location: `${s.p}jobs/${job.id}/` },
    body: { job: job.id, ignored_fields: ignored, ...jobBody(s, job) },
  };
}

/** POST jobs/:id/relaunch/ with `hosts` all or failed. */
export function relaunchJob(s: AapState, j: JobRec, req: FakeRequest): FakeResponse {
  const hosts = ((req.body ?? {}) as Obj).hosts ?? "all";
  if (hosts !== "all" && hosts !== "failed") return { status: 400, body: { hosts: [`"${String(hosts)}" is not a valid choice.`] } };
  let limit = j.limit;
  if (hosts === "failed") {
    if (ACTIVE.includes(j.status)) return { status: 400, body: { hosts: "Wait until job finishes before retrying on failed hosts." } };
    if (!j.events.some((e) => e.event === "playbook_on_stats")) {
      return { status: 400, body: { hosts: "Cannot retry on failed hosts, playbook stats not available." } };
    }
    const failed = [...j.tally].filter(([, t]) => t.failures > 0 || t.dark > 0).map(([name]) => name);
    if (failed.length === 0) return { status: 400, body: { hosts: "Cannot relaunch because previous job had 0 failed hosts." } };
    limit = failed.join(",");
  }
  const job = createJob(s, j.tpl, { extraVars: { ...j.extraVars }, limit, jobType: j.jobType, diffMode: j.diffMode, launchType: "relaunch" });
  return { status: 201, headers: { location: `${s.p}jobs/${job.id}/` }, body: { ...jobBody(s, job), job: job.id } };
}

/** Creates and starts a job of `t` (a launch, a relaunch, or a workflow's job node). */
export function createJob(s: AapState, t: Tpl, o: { extraVars: Obj; limit: string; jobType: "run" | "check"; diffMode?: boolean | undefined; launchType: JobRec["launchType"] }): JobRec {
  const now = new Date();
  // An inventory source with update_on_launch refreshes the inventory before the job runs.
  if (s.inventorySource && recsOf(s, "inventory_sources").some((r) => r.fields.inventory === t.inventory && r.fields.update_on_launch === true)) {
    s.inventory = [...new Set(s.inventorySource())].sort();
  }
  const queued = s.failNext.get(t.name);
  const app = typeof o.extraVars.app === "string" ? o.extraVars.app : undefined;
  const effect = s.effects.get(playbookFile(t.playbook))?.({ extraVars: o.extraVars, limit: o.limit, jobType: o.jobType });
  const job: JobRec = {
    id: s.nextId++, tpl: t, ...o, inventory: s.inventory, hostVars: new Map(s.inventory.map((h) => [h, s.hostVars(h) ?? {}])), status: "pending", created: now, modified: now, eventsFinished: false,
    cancelRequested: false, events: [], lines: 0, tally: new Map(), playCount: 0, taskCount: 0, hostStatusCounts: {}, docker: s.docker,
    failure: queued?.shift() ?? effect?.failure ?? (app ? s.failures.get(app) : undefined),
  };
  s.jobs.set(job.id, job);
  if (app !== undefined) recordConcurrency(s, job, app);
  if (effect?.apply && o.jobType === "run") s.applies.set(job.id, effect.apply);
  t.lastJob = job;
  runJob(s, job);
  return job;
}

/** Two Master Deploy runs of one app at once is the double deploy labops must never cause: the fake keeps count. */
function recordConcurrency(s: AapState, job: JobRec, app: string): void {
  let live = 0;
  for (const j of s.jobs.values()) if (j.tpl === job.tpl && j.extraVars.app === app && ACTIVE.includes(j.status)) live++;
  const key = `${job.tpl.name}|${app}`;
  s.concurrent.set(key, Math.max(s.concurrent.get(key) ?? 0, live));
}

function runJob(s: AapState, job: JobRec): void {
  const steps = playbookSteps(job);
  const tick = () => {
    if (job.cancelRequested) return finishJob(s, job, "canceled");
    const r = steps.next();
    if (r.done) return finishJob(s, job, [...job.tally.values()].some((t) => t.failures > 0 || t.dark > 0) ? "failed" : "successful");
    for (const e of r.value) {
      if (e.event === "playbook_on_stats") job.heldStats = e;
      else emitEvent(s, job, e);
    }
    later(s, s.stepMs, tick);
  };
  later(s, s.pendingMs, () => {
    if (job.cancelRequested) return finishJob(s, job, "canceled");
    setStatus(job, "waiting");
    later(s, s.stepMs, () => {
      if (job.cancelRequested) return finishJob(s, job, "canceled");
      job.started = new Date();
      setStatus(job, "running");
      later(s, s.stepMs, tick);
    });
  });
}

function setStatus(job: JobRec, status: string): void {
  job.status = status;
  job.modified = new Date();
}

/** Terminal status first; the recap event and `event_processing_finished` follow one step later, as on AWX. */
function finishJob(s: AapState, job: JobRec, status: string): void {
  job.finished = new Date();
  const apply = s.applies.get(job.id);
  s.applies.delete(job.id);
  if (apply && status === "successful") apply();
  setStatus(job, status);
  later(s, s.stepMs, () => {
    if (job.heldStats && status !== "canceled") {
      emitEvent(s, job, job.heldStats);
      job.hostStatusCounts = hostStatusCounts(job.tally);
    }
    job.heldStats = undefined;
    job.eventsFinished = true;
    notifyJob(s, job);
  });
}

/** The AWX webhook notification: flat job_metadata, `extra_vars` a JSON string, `+00:00` timestamps. */
function notifyJob(s: AapState, job: JobRec): void {
  const url = s.opts.webhookUrl;
  if (!url || s.opts.dropWebhooks?.(job.id)) return;
  const hosts: Obj = {};
  for (const [name, t] of job.tally) {
    hosts[name] = { failed: t.failures > 0 || t.dark > 0, changed: t.changed, dark: t.dark, failures: t.failures, ok: t.ok, processed: 1, skipped: t.skipped, rescued: 0, ignored: 0 };
  }
  const body = {
    id: job.id, name: job.tpl.name, url: `${s.url}/#/jobs/playbook/${job.id}`, created_by: USER.username,
    started: job.started ? pyIso(job.started) : null, finished: job.finished ? pyIso(job.finished) : null,
    status: job.status, traceback: "", inventory: nameOf(s, "inventories", job.tpl.inventory) ?? "", project: nameOf(s, "projects", job.tpl.fields.project) ?? "",
    playbook: job.tpl.playbook, credential: nameOf(s, "credentials", job.tpl.links.credentials?.[0]) ?? "", limit: job.limit, extra_vars: pyJson(job.extraVars), hosts,
  };
  void fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", "user-agent": "AWX 24.6.1 (open)", ...s.opts.webhookHeaders },
    body: JSON.stringify(body),
    signal: s.abort.signal,
  })
    .then((r) => r.arrayBuffer())
    .catch(() => undefined);
}
