import { ACTIVE, USER, type Obj } from "./records.ts";
import type { AapState } from "./state.ts";
import { fkSummary, nameOf } from "./objects.ts";
import { iso, isFailed, pyJson, round3 } from "./format.ts";
import type { ApprovalRec, WfJobNode, WfJobRec, WfNodeSpec, WfTpl } from "./workflow-records.ts";

/** The workflow serializers of AWX 24: WorkflowJobTemplate, WorkflowJob, WorkflowJobNode, WorkflowApproval. */

const took = (started?: Date, finished?: Date) => (started && finished ? round3((finished.getTime() - started.getTime()) / 1000) : 0);
const ts = (d?: Date) => (d ? iso(d) : null);

export function wfTplBody(s: AapState, t: WfTpl): Obj {
  const base = `${s.p}workflow_job_templates/${t.id}/`;
  const rel = (k: string) => `${base}${k}/`;
  const last = t.lastJob;
  const org = t.fields.organization;
  return {
    id: t.id, type: "workflow_job_template", url: base,
    related: {
      named_url: `${s.p}workflow_job_templates/${String(t.fields.name)}++${nameOf(s, "organizations", org) ?? ""}/`, created_by: `${s.p}users/1/`, modified_by: `${s.p}users/1/`,
      ...(last ? { last_job: `${s.p}workflow_jobs/${last.id}/` } : {}),
      workflow_jobs: rel("workflow_jobs"), schedules: rel("schedules"), launch: rel("launch"), webhook_key: rel("webhook_key"), webhook_receiver: "",
      workflow_nodes: rel("workflow_nodes"), labels: rel("labels"), activity_stream: rel("activity_stream"),
      notification_templates_started: rel("notification_templates_started"), notification_templates_success: rel("notification_templates_success"),
      notification_templates_error: rel("notification_templates_error"), notification_templates_approvals: rel("notification_templates_approvals"),
      access_list: rel("access_list"), object_roles: rel("object_roles"), survey_spec: rel("survey_spec"), copy: rel("copy"),
      ...(org ? { organization: `${s.p}organizations/${String(org)}/` } : {}),
    },
    summary_fields: {
      ...(org ? { organization: fkSummary(s, "organizations", org) } : {}),
      ...(last ? { last_job: { id: last.id, name: t.fields.name, description: t.fields.description, finished: ts(last.finished), status: last.status, failed: isFailed(last.status) } } : {}),
      created_by: USER, modified_by: USER,
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
      labels: { count: 0, results: [] },
      recent_jobs: [...s.wf.jobs.values()].filter((j) => j.wft === t).slice(-10).reverse()
        .map((j) => ({ id: j.id, status: j.status, finished: ts(j.finished), canceled_on: null, type: "workflow_job" })),
    },
    created: iso(t.created), modified: iso(t.modified), ...t.fields,
    last_job_run: ts(last?.finished), last_job_failed: last ? isFailed(last.status) : false, next_job_run: null,
    status: last ? last.status : "never updated", webhook_key: "",
  };
}

/** GET workflow_job_templates/:id/launch/. */
export function wfLaunchInfo(t: WfTpl): Obj {
  const f = t.fields;
  return {
    can_start_without_user_input: true, extra_vars: f.extra_vars, ask_variables_on_launch: f.ask_variables_on_launch, ask_limit_on_launch: f.ask_limit_on_launch,
    ask_inventory_on_launch: f.ask_inventory_on_launch, ask_scm_branch_on_launch: f.ask_scm_branch_on_launch, ask_labels_on_launch: f.ask_labels_on_launch,
    ask_tags_on_launch: f.ask_tags_on_launch, ask_skip_tags_on_launch: f.ask_skip_tags_on_launch,
    survey_enabled: f.survey_enabled, variables_needed_to_start: [], node_templates_missing: [], node_prompts_rejected: [],
    workflow_job_template_data: { name: f.name, id: t.id, description: f.description },
    defaults: { extra_vars: f.extra_vars, inventory: { name: null, id: null }, limit: f.limit, scm_branch: f.scm_branch, labels: [], job_tags: f.job_tags, skip_tags: f.skip_tags },
  };
}

export function workflowJobBody(s: AapState, j: WfJobRec, list = false): Obj {
  const base = `${s.p}workflow_jobs/${j.id}/`;
  const t = j.wft;
  const body: Obj = {
    id: j.id, type: "workflow_job", url: base,
    related: {
      created_by: `${s.p}users/1/`, modified_by: `${s.p}users/1/`, unified_job_template: `${s.p}workflow_job_templates/${t.id}/`,
      workflow_job_template: `${s.p}workflow_job_templates/${t.id}/`, notifications: `${base}notifications/`, workflow_nodes: `${base}workflow_nodes/`,
      labels: `${base}labels/`, activity_stream: `${base}activity_stream/`, relaunch: `${base}relaunch/`, cancel: `${base}cancel/`,
    },
    summary_fields: {
      organization: fkSummary(s, "organizations", t.fields.organization),
      workflow_job_template: { id: t.id, name: t.fields.name, description: t.fields.description },
      unified_job_template: { id: t.id, name: t.fields.name, description: t.fields.description, unified_job_type: "workflow_job" },
      created_by: USER, modified_by: USER,
      user_capabilities: { delete: !ACTIVE.includes(j.status), start: true },
      labels: { count: 0, results: [] },
    },
    created: iso(j.created), modified: iso(j.modified), name: t.fields.name, description: t.fields.description, unified_job_template: t.id,
    launch_type: "manual", status: j.status, failed: isFailed(j.status), started: ts(j.started), finished: ts(j.finished),
    canceled_on: j.status === "canceled" ? ts(j.finished) : null, elapsed: took(j.started, j.finished), job_explanation: j.explanation,
    launched_by: { id: USER.id, name: USER.username, type: "user", url: `${s.p}users/1/` }, work_unit_id: null,
    workflow_job_template: t.id, extra_vars: pyJson(j.extraVars), allow_simultaneous: t.fields.allow_simultaneous, job_template: null,
    is_sliced_job: false, inventory: null, limit: j.limit || null, scm_branch: null, webhook_service: "", webhook_credential: null, webhook_guid: "",
    skip_tags: null, job_tags: null,
  };
  if (!list) body.result_traceback = "";
  return body;
}

/** A node of a workflow job: what it spawned (summary_fields.job) and its edges. */
export function wfJobNodeBody(s: AapState, wf: WfJobRec, n: WfJobNode): Obj {
  const base = `${s.p}workflow_job_nodes/${n.id}/`;
  const idOf = (specId: number) => wf.nodes.find((x) => x.spec.id === specId)?.id;
  const edges = (ids: number[]) => ids.map(idOf).filter((x): x is number => x !== undefined);
  const ujt = ujtOf(s, n.spec);
  const a = n.jobId !== undefined ? s.wf.approvals.get(n.jobId) : undefined;
  const j = n.jobId !== undefined ? s.jobs.get(n.jobId) : undefined;
  const jobUrl = a ? `${s.p}workflow_approvals/${a.id}/` : j ? `${s.p}jobs/${j.id}/` : undefined;
  const job = a
    ? { id: a.id, name: a.name, description: a.description, status: a.status, failed: isFailed(a.status), elapsed: took(a.created, a.finished), type: "workflow_approval" }
    : j ? { id: j.id, name: j.tpl.name, description: j.tpl.description, status: j.status, failed: isFailed(j.status), elapsed: took(j.started, j.finished), type: "job" } : undefined;
  return {
    id: n.id, type: "workflow_job_node", url: base,
    related: {
      credentials: `${base}credentials/`, labels: `${base}labels/`, instance_groups: `${base}instance_groups/`,
      success_nodes: `${base}success_nodes/`, failure_nodes: `${base}failure_nodes/`, always_nodes: `${base}always_nodes/`,
      ...(ujt ? { unified_job_template: ujt.url } : {}), ...(jobUrl ? { job: jobUrl } : {}), workflow_job: `${s.p}workflow_jobs/${wf.id}/`,
    },
    summary_fields: {
      ...(job ? { job } : {}),
      workflow_job: { id: wf.id, name: wf.wft.fields.name, description: wf.wft.fields.description },
      ...(ujt ? { unified_job_template: ujt.summary } : {}),
    },
    created: iso(n.created), modified: iso(n.modified), extra_data: {}, inventory: null, scm_branch: null, job_type: null, job_tags: null,
    skip_tags: null, limit: null, diff_mode: null, verbosity: null, execution_environment: null, forks: null, job_slice_count: null, timeout: null,
    job: n.jobId ?? null, workflow_job: wf.id, unified_job_template: ujt?.id ?? null,
    success_nodes: edges(n.spec.success), failure_nodes: edges(n.spec.failure), always_nodes: edges(n.spec.always),
    all_parents_must_converge: false, do_not_run: n.doNotRun, identifier: n.spec.identifier,
  };
}

/** A node of a workflow job template. */
export function wfTplNodeBody(s: AapState, t: WfTpl, n: WfNodeSpec): Obj {
  const base = `${s.p}workflow_job_template_nodes/${n.id}/`;
  const ujt = ujtOf(s, n);
  return {
    id: n.id, type: "workflow_job_template_node", url: base,
    related: {
      success_nodes: `${base}success_nodes/`, failure_nodes: `${base}failure_nodes/`, always_nodes: `${base}always_nodes/`,
      workflow_job_template: `${s.p}workflow_job_templates/${t.id}/`, ...(ujt ? { unified_job_template: ujt.url } : {}),
      ...(n.approval ? {} : { create_approval_template: `${base}create_approval_template/` }),
    },
    summary_fields: { workflow_job_template: { id: t.id, name: t.fields.name, description: t.fields.description }, ...(ujt ? { unified_job_template: ujt.summary } : {}) },
    extra_data: {}, inventory: null, scm_branch: null, job_type: null, job_tags: null, skip_tags: null, limit: null, diff_mode: null, verbosity: null,
    workflow_job_template: t.id, unified_job_template: ujt?.id ?? null, success_nodes: n.success, failure_nodes: n.failure, always_nodes: n.always,
    all_parents_must_converge: false, identifier: n.identifier,
  };
}

function ujtOf(s: AapState, n: WfNodeSpec): { id: number; url: string; summary: Obj } | undefined {
  if (n.approval) {
    return { id: n.approval.id, url: `${s.p}workflow_approval_templates/${n.approval.id}/`, summary: { id: n.approval.id, name: n.approval.name, description: n.approval.description, unified_job_type: "workflow_approval", timeout: n.approval.timeout } };
  }
  const t = s.templates.find((x) => x.id === n.templateId);
  return t ? { id: t.id, url: `${s.p}job_templates/${t.id}/`, summary: { id: t.id, name: t.name, description: t.description, unified_job_type: "job" } } : undefined;
}

/** GET workflow_approvals/:id/ and the list (WorkflowApprovalSerializer): can_approve_or_deny for the asking user. */
export function approvalBody(s: AapState, a: ApprovalRec, canApprove: boolean): Obj {
  const base = `${s.p}workflow_approvals/${a.id}/`;
  const wf = a.wfJob;
  const t = wf.wft;
  const decider = a.decidedBy ? { id: a.decidedBy === USER.username ? USER.id : 2, username: a.decidedBy, first_name: "", last_name: "" } : undefined;
  const expires = a.timeout > 0 ? new Date(a.created.getTime() + a.timeout * 1000) : undefined;
  return {
    id: a.id, type: "workflow_approval", url: base,
    related: {
      created_by: `${s.p}users/1/`, unified_job_template: `${s.p}workflow_approval_templates/${a.templateId}/`,
      source_workflow_job: `${s.p}workflow_jobs/${wf.id}/`, workflow_approval_template: `${s.p}workflow_approval_templates/${a.templateId}/`,
      approve: `${base}approve/`, deny: `${base}deny/`, ...(decider ? { approved_or_denied_by: `${s.p}users/${decider.id}/` } : {}),
    },
    summary_fields: {
      workflow_job_template: { id: t.id, name: t.fields.name, description: t.fields.description },
      workflow_job: { id: wf.id, name: t.fields.name, description: t.fields.description },
      workflow_approval_template: { id: a.templateId, name: a.name, description: a.description, timeout: a.timeout },
      unified_job_template: { id: a.templateId, name: a.name, description: a.description, unified_job_type: "workflow_approval" },
      source_workflow_job: { id: wf.id, name: t.fields.name, description: t.fields.description, status: wf.status, failed: isFailed(wf.status), elapsed: took(wf.started, wf.finished) },
      created_by: USER, ...(decider ? { approved_or_denied_by: decider } : {}),
      user_capabilities: { delete: a.status !== "pending", start: false },
    },
    created: iso(a.created), modified: iso(a.modified), name: a.name, description: a.description, unified_job_template: a.templateId,
    launch_type: "workflow", status: a.status, failed: isFailed(a.status), started: iso(a.created), finished: ts(a.finished),
    canceled_on: a.status === "canceled" ? ts(a.finished) : null, elapsed: took(a.created, a.finished), job_explanation: a.explanation,
    launched_by: { id: wf.id, name: t.fields.name, type: "workflow_job", url: `${s.p}workflow_jobs/${wf.id}/` }, work_unit_id: null,
    can_approve_or_deny: canApprove && a.status === "pending", approval_expiration: a.status === "pending" && expires ? iso(expires) : null, timed_out: a.timedOut,
  };
}
