import { AapIgnoredFieldsError, TERMINAL_JOB_STATUSES, type AapClient, type WorkflowJob } from "../../clients/aap.ts";
import { actorKey, ROLE_RANK } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import { runTemplate } from "../../core/run-policy.ts";
import { checkRunVars, openSecrets } from "../../core/run-survey.ts";
import { SecretBox } from "../../core/secret-box.ts";
import type { Survey, SurveyValue } from "../../core/survey.ts";
import { ApiError, UserError } from "../../errors.ts";
import { sleep } from "../../sleep.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine, hostCountsLine } from "../../deploy/aap-view.ts";

interface WorkflowLaunch {
  correlation: string;
  intentAt: number;
  workflowJobId?: number | undefined;
}

/**
 * aap.run (/labops run): checks the template, variables, host and role again against the settings in force, then
 * launches the job template (exactly once, as /deploy does) or the workflow job template (an intent with a
 * correlation id saved before the POST, the workflow job id right after; a retry re-attaches, with only an
 * intent it looks for the workflow job by its correlation id) and follows it to the end, saying when it waits
 * for an approval (the approval itself is posted with Approve / Deny by the approvals poller).
 */
export default defineProcessor({
  name: "aap.run",
  needs: ["aap"],
  title: (a) => `Run ${a.template}`,
  async run(ctx) {
    const { args: a, deps, payload } = ctx;
    const aap = deps.aap;
    const templates = deps.config.run.templates;
    const t0 = runTemplate(templates, a.template);
    if (ROLE_RANK[payload.requires ?? "viewer"] < ROLE_RANK[t0.role]) throw new UserError("forbidden", `Running \`${a.template}\` needs the ${t0.role} role; nothing was launched.`);
    const title = `Run ${a.template}`;
    if (t0.kind === "job") {
      // The survey as AAP has it now (it may have changed since the acknowledgement): every answer checked again;
      // the sealed answers are opened only here, right before the launch, and live only in this request's body.
      const tpl = await aap.findJobTemplate(a.template, { signal: ctx.signal });
      const survey: Survey | null = tpl.survey_enabled ? await aap.surveySpec(tpl.id, { signal: ctx.signal }) : null;
      const secrets = openSecrets(deps.config.surveySecretKey ? new SecretBox(deps.config.surveySecretKey) : undefined, a.template, a.secrets);
      const checked = checkRunVars(templates, { template: a.template, vars: a.vars, host: a.host, survey, secrets });
      const extra: Record<string, SurveyValue> = { ...checked.vars, ...(checked.answers?.secrets ?? {}) };
      const body = { extra_vars: extra, ...(a.host ? { limit: a.host } : {}) };
      const f = await launchOnce(ctx, {
        aap, key: "run", template: a.template, body, pollMs: deps.config.aapSettings.pollInterval, timeoutMs: deps.config.aapSettings.jobTimeout,
        surveyVars: survey?.questions.map((q) => q.variable) ?? [],
        onProgress: (job, p) => ctx.progress.update({ title, state: "running", lines: [aapStatusLine(job, p), hostCountsLine(p)], link: { label: `AAP job ${job.id}`, url: aap.jobUrl(job.id) } }),
      });
      const state = f.job.status === "successful" ? "success" : f.job.status === "canceled" ? "canceled" : "failure";
      return { outcome: state, message: { title: `${title}: ${f.job.status}`, state, lines: aapResultLines(f), link: { label: `AAP job ${f.job.id}`, url: aap.jobUrl(f.job.id) } }, details: { aapJob: f.job.id } };
    }
    const { vars } = checkRunVars(templates, { template: a.template, vars: a.vars, host: a.host, survey: null, secrets: a.secrets });
    const { id, reattached } = await launchWorkflowOnce(ctx, aap, a.template, { extra_vars: vars as Record<string, string>, ...(a.host ? { limit: a.host } : {}) });
    const link = { label: `AAP workflow job ${id}`, url: aap.workflowUrl(id) };
    const job = await followWorkflow(ctx, aap, id, (line) => ctx.progress.update({ title, state: "running", lines: [line], link }));
    const state = job.status === "successful" ? "success" : job.status === "canceled" ? "canceled" : "failure";
    const nodes = await aap.workflowJobNodes(id, { signal: ctx.signal }).catch(() => []);
    const ran = nodes.filter((n) => n.summary_fields.job).map((n) => `${n.summary_fields.job!.name}: ${n.summary_fields.job!.status}`);
    const message: Message = {
      title: `${title}: ${job.status}`, state, link,
      lines: [`Workflow job ${id}${reattached ? " (re-attached after a retry)" : ""}.`, ...ran.slice(0, 10), ...(job.job_explanation ? [job.job_explanation.slice(0, 300)] : [])],
    };
    return { outcome: state, message, details: { workflowJob: id, status: job.status, reattached } };
  },
});

async function launchWorkflowOnce(ctx: ProcessorContext<unknown>, aap: AapClient, name: string, body: { extra_vars: Record<string, string>; limit?: string }): Promise<{ id: number; reattached: boolean }> {
  const saved = ctx.state.workflow as WorkflowLaunch | undefined;
  const remote = (id: number) => ctx.holdRemote(`aap-workflow:${id}`);
  if (saved?.workflowJobId !== undefined) {
    await remote(saved.workflowJobId);
    return { id: saved.workflowJobId, reattached: true };
  }
  const tpl = await aap.findWorkflowJobTemplate(name, { signal: ctx.signal });
  if (saved) {
    const found = await findWorkflowJob(aap, tpl.id, saved, ctx.signal);
    if (found !== undefined) {
      ctx.log.warn({ workflowJob: found }, "re-attached to a workflow job launched before a crash");
      await ctx.save({ workflow: { ...saved, workflowJobId: found } });
      await remote(found);
      await record(ctx, found, name);
      return { id: found, reattached: true };
    }
  }
  if (!tpl.ask_variables_on_launch && !tpl.survey_enabled) {
    throw new UserError("aap_prompt_disabled", `The AAP workflow "${name}" does not prompt for variables, so labops cannot launch it exactly once; enable "Prompt on launch" for variables on it.`);
  }
  const intent: WorkflowLaunch = { correlation: `${ctx.jobId}/run/${ctx.attempt}`, intentAt: Date.now() };
  await ctx.save({ workflow: intent });
  await ctx.holdRemote("aap:intent");
  let id: number;
  try {
    ({ workflowJobId: id } = await aap.launchWorkflow(tpl.id, { ...body, extra_vars: { ...body.extra_vars, labops_correlation: intent.correlation } }, { signal: ctx.signal }));
  } catch (err) {
    if (err instanceof AapIgnoredFieldsError) {
      await ctx.save({ workflow: { ...intent, workflowJobId: err.jobId } });
      await aap.cancelWorkflowJob(err.jobId).catch(() => false);
    } else if (err instanceof ApiError && err.status !== undefined && err.status >= 400 && err.status < 500 && err.status !== 429) {
      ctx.remoteDone();
    }
    throw err;
  }
  await ctx.save({ workflow: { ...intent, workflowJobId: id } });
  await remote(id);
  await record(ctx, id, name);
  await ctx.deps.audit.record({ event: "remote", command: "run", jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `aap workflow job ${id} (${name})` }).catch(() => {});
  return { id, reattached: false };
}

/** The launch record names the person, so the workflow's approval messages say who launched it. */
async function record(ctx: ProcessorContext<unknown>, id: number, template: string): Promise<void> {
  const p = ctx.payload;
  await ctx.deps.launches.save(id, { labopsJob: ctx.jobId, command: p.command, args: p.args, template, requester: p.actor.name, requesterKey: actorKey(p.actor), ...(p.lockKey ? { lockKey: p.lockKey } : {}) })
    .catch((err: unknown) => ctx.log.warn({ workflowJob: id, err: String(err) }, "launch record not saved; its approvals will not name who launched it"));
}

async function findWorkflowJob(aap: AapClient, templateId: number, saved: WorkflowLaunch, signal: AbortSignal): Promise<number | undefined> {
  const since = new Date(saved.intentAt - 120_000).toISOString();
  const rows = await aap.listWorkflowJobs({ workflow_job_template: templateId, created__gt: since, order_by: "id" }, { signal });
  // Newer AWX-family servers may leave extra_vars out of lists: the details carry them.
  const jobs = [];
  for (const r of rows) jobs.push(r.extra_vars === undefined ? await aap.getWorkflowJob(r.id, { signal }) : r);
  return jobs.find((j) => {
    try {
      return (JSON.parse(j.extra_vars || "{}") as Record<string, unknown>).labops_correlation === saved.correlation;
    } catch {
      return false;
    }
  })?.id;
}

/** Polls the workflow job to its end; says which node runs or which approval it waits for. */
async function followWorkflow(ctx: ProcessorContext<unknown>, aap: AapClient, id: number, show: (line: string) => void): Promise<WorkflowJob> {
  const deadline = Date.now() + ctx.deps.config.aapSettings.jobTimeout;
  for (;;) {
    const job = await aap.getWorkflowJob(id, { signal: ctx.signal });
    if (TERMINAL_JOB_STATUSES.includes(job.status)) {
      ctx.remoteDone();
      return job;
    }
    const nodes = await aap.workflowJobNodes(id, { signal: ctx.signal });
    const active = nodes.map((n) => n.summary_fields.job).filter((j) => j && !TERMINAL_JOB_STATUSES.includes(j.status));
    const waiting = active.find((j) => j!.type === "workflow_approval" && j!.status === "pending");
    show(waiting ? `Waiting for approval: ${waiting.name} (Approve / Deny in the approvals channel, or in AAP).`
      : active.length ? `Running: ${active.map((j) => j!.name).join(", ")}.` : `Workflow job ${id}: ${job.status}.`);
    if (Date.now() > deadline) throw new UserError("aap_timeout", `Workflow job ${id} did not finish in time; it is still running in AAP: ${aap.workflowUrl(id)}`);
    await sleep(ctx.deps.config.aapSettings.pollInterval, ctx.signal);
  }
}
