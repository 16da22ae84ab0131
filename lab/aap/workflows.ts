import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { ACTIVE, type Obj } from "./records.ts";
import { later, type AapState } from "./state.ts";
import { createJob } from "./jobs.ts";
import { parseExtraVars } from "./format.ts";
import type { ApprovalRec, WfJobNode, WfJobRec, WfTpl } from "./workflow-records.ts";
import { workflowJobBody } from "./workflow-serializers.ts";

/**
 * Workflow jobs as AWX's workflow manager runs them: the root nodes start at once; a job node launches its
 * job template with the workflow's prompted extra_vars and limit (where the template prompts for them); an
 * approval node creates a pending workflow approval, which its timeout fails (`timed_out`) and a POST of
 * approve/ or deny/ decides. When a node ends, its success_nodes or failure_nodes run, and always_nodes in
 * both cases; the nodes on the other path are marked do_not_run. The workflow fails when a node failed and
 * had no failure or always path; it is successful otherwise.
 */

/** POST workflow_job_templates/:id/launch/: extra_vars and limit only where the workflow prompts for them. */
export function launchWorkflow(s: AapState, t: WfTpl, req: FakeRequest, createdBy: string): FakeResponse {
  if (typeof req.body === "string") return { status: 400, body: { detail: "JSON parse error - Expecting value: line 1 column 1 (char 0)" } };
  const body = (req.body ?? {}) as Obj;
  const ignored: Obj = {};
  const f = t.fields;
  let extraVars: Obj = {};
  const defaults = parseExtraVars(f.extra_vars ?? "");
  if (typeof defaults !== "string") extraVars = { ...defaults };
  if (body.extra_vars !== undefined) {
    const parsed = parseExtraVars(body.extra_vars);
    if (typeof parsed === "string") return { status: 400, body: { extra_vars: [parsed] } };
    if (f.ask_variables_on_launch === true || f.survey_enabled === true) extraVars = { ...extraVars, ...parsed };
    else ignored.extra_vars = parsed;
  }
  let limit = typeof f.limit === "string" ? f.limit : "";
  if (body.limit !== undefined) {
    if (f.ask_limit_on_launch === true) limit = String(body.limit);
    else ignored.limit = body.limit;
  }
  for (const k of ["inventory", "scm_branch", "labels", "job_tags", "skip_tags"]) {
    if (body[k] !== undefined) ignored[k] = body[k];
  }
  const job = startWorkflow(s, t, { extraVars, limit, createdBy });
  return { status: 201, headers: { location: `${s.p}workflow_jobs/${job.id}/` }, body: { workflow_job: job.id, ignored_fields: ignored, ...workflowJobBody(s, job) } };
}

function startWorkflow(s: AapState, t: WfTpl, o: { extraVars: Obj; limit: string; createdBy: string }): WfJobRec {
  const now = new Date();
  const job: WfJobRec = {
    id: s.nextId++, wft: t, status: "pending", created: now, modified: now, extraVars: o.extraVars, limit: o.limit, explanation: "",
    cancelRequested: false, nodes: t.nodes.map((spec) => ({ id: s.wf.nextNodeId++, spec, created: now, modified: now, doNotRun: false })),
  };
  s.wf.jobs.set(job.id, job);
  t.lastJob = job;
  later(s, s.pendingMs, () => {
    if (job.cancelRequested) return finishWorkflow(s, job, "canceled");
    job.status = "running";
    job.started = new Date();
    job.modified = job.started;
    const targets = new Set(job.nodes.flatMap((n) => [...n.spec.success, ...n.spec.failure, ...n.spec.always]));
    for (const n of job.nodes.filter((x) => !targets.has(x.spec.id))) startNode(s, job, n);
  });
  return job;
}

function startNode(s: AapState, wf: WfJobRec, node: WfJobNode): void {
  if (wf.cancelRequested) return settle(s, wf);
  node.modified = new Date();
  const spec = node.spec;
  if (spec.approval) {
    const now = new Date();
    const a: ApprovalRec = {
      id: s.nextId++, wfJob: wf, node, name: spec.approval.name, description: spec.approval.description, timeout: spec.approval.timeout,
      templateId: spec.approval.id, status: "pending", timedOut: false, created: now, modified: now, explanation: "",
    };
    s.wf.approvals.set(a.id, a);
    node.jobId = a.id;
    if (a.timeout > 0) {
      later(s, a.timeout * 1000, () => {
        if (a.status !== "pending") return;
        a.timedOut = true;
        a.explanation = `The approval node ${a.name} (${a.id}) has expired after ${a.timeout} seconds.`;
        endApproval(s, a, "failed");
      });
    }
    return;
  }
  const tpl = s.templates.find((t) => t.id === spec.templateId);
  if (!tpl) {
    // A node whose template was deleted fails the workflow (AWX: "node has no unified job template").
    wf.explanation = `Workflow job node ${node.id} related unified job template missing`;
    return nodeDone(s, wf, node, false);
  }
  const job = createJob(s, tpl, {
    extraVars: tpl.ask.variables ? { ...wf.extraVars } : {}, limit: tpl.ask.limit ? wf.limit : "", jobType: "run", launchType: "workflow",
  });
  job.workflowJob = wf.id;
  node.jobId = job.id;
  const watch = () => {
    if (wf.cancelRequested && ACTIVE.includes(job.status)) job.cancelRequested = true;
    if (ACTIVE.includes(job.status)) return later(s, s.stepMs, watch);
    nodeDone(s, wf, node, job.status === "successful");
  };
  later(s, s.stepMs, watch);
}

/** approve/ or deny/ (or the timeout): the approval ends and its workflow moves on. */
export function endApproval(s: AapState, a: ApprovalRec, status: "successful" | "failed" | "canceled", by?: string): void {
  const now = new Date();
  a.status = status;
  a.modified = now;
  a.finished = now;
  if (by) a.decidedBy = by;
  nodeDone(s, a.wfJob, a.node, status === "successful");
}

function nodeDone(s: AapState, wf: WfJobRec, node: WfJobNode, ok: boolean): void {
  const byId = (id: number) => wf.nodes.find((n) => n.spec.id === id);
  const next = [...(ok ? node.spec.success : node.spec.failure), ...node.spec.always];
  const skipped = ok ? node.spec.failure : node.spec.success;
  for (const id of skipped) {
    const n = byId(id);
    if (n && n.jobId === undefined && !next.includes(id)) n.doNotRun = true;
  }
  if (!ok && next.length === 0) wf.failedUnhandled = true;
  for (const id of next) {
    const n = byId(id);
    if (n && n.jobId === undefined && !n.doNotRun) startNode(s, wf, n);
  }
  settle(s, wf);
}

/** The workflow ends when no node runs and none is left to start. */
function settle(s: AapState, wf: WfJobRec): void {
  if (!ACTIVE.includes(wf.status)) return;
  const running = wf.nodes.some((n) => n.jobId !== undefined && isActive(s, n.jobId));
  if (running) return;
  if (wf.cancelRequested) return finishWorkflow(s, wf, "canceled");
  finishWorkflow(s, wf, wf.failedUnhandled ? "failed" : "successful");
}

function isActive(s: AapState, id: number): boolean {
  const a = s.wf.approvals.get(id);
  if (a) return a.status === "pending";
  const j = s.jobs.get(id);
  return j ? ACTIVE.includes(j.status) : false;
}

function finishWorkflow(s: AapState, wf: WfJobRec, status: string): void {
  wf.status = status;
  wf.finished = new Date();
  wf.modified = wf.finished;
  for (const n of wf.nodes) if (n.jobId === undefined) n.doNotRun = true;
}

/** POST workflow_jobs/:id/cancel/: pending approvals are canceled, running jobs asked to stop. */
export function cancelWorkflow(s: AapState, wf: WfJobRec): FakeResponse {
  if (!ACTIVE.includes(wf.status)) return { status: 405, body: { detail: 'Method "POST" not allowed.' } };
  wf.cancelRequested = true;
  for (const n of wf.nodes) {
    if (n.jobId === undefined) continue;
    const a = s.wf.approvals.get(n.jobId);
    if (a?.status === "pending") {
      a.status = "canceled";
      a.modified = a.finished = new Date();
    }
    const j = s.jobs.get(n.jobId);
    if (j && ACTIVE.includes(j.status)) j.cancelRequested = true;
  }
  if (wf.status === "running") later(s, s.stepMs, () => settle(s, wf));
  return { status: 202 };
}
