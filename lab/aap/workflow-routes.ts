import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { USER } from "./records.ts";
import type { AapState } from "./state.ts";
import { page } from "./list.ts";
import { cancelWorkflow, endApproval, launchWorkflow } from "./workflows.ts";
import { approvalBody, wfJobNodeBody, wfLaunchInfo, wfTplBody, wfTplNodeBody, workflowJobBody } from "./workflow-serializers.ts";

/**
 * The workflow routes of API v2: workflow_job_templates (+ launch/, workflow_nodes/), workflow_jobs (+ workflow_nodes/,
 * cancel/), workflow_job_nodes, workflow_approvals (+ approve/, deny/). approve/ and deny/ answer 204; 403 with
 * "User does not have permission to approve or deny this workflow." for a user without the approval role; 400 with
 * {"error": "This workflow step has already been approved or denied."} once it is no longer pending (also after its
 * timeout: the task manager fails it with `timed_out: true`).
 */
export function registerWorkflowRoutes(s: AapState): void {
  const h = s.http;
  const p = s.p;
  const notFound: FakeResponse = { status: 404, body: { detail: "Not found." } };
  const tpl = (id: string | undefined) => s.wf.templates.find((t) => t.id === Number(id));
  const wfJob = (id: string | undefined) => s.wf.jobs.get(Number(id));
  const approval = (id: string | undefined) => s.wf.approvals.get(Number(id));
  const canApprove = (req: FakeRequest) => !s.wf.readOnlyTokens.has(bearer(req));
  const userOf = (req: FakeRequest) => (canApprove(req) ? USER.username : "auditor");

  h.route("GET", `${p}workflow_job_templates/`, (req) => page(req, s.wf.templates.map((t) => wfTplBody(s, t))));
  h.route("GET", `${p}workflow_job_templates/:id/`, (_r, a) => {
    const t = tpl(a.id);
    return t ? { status: 200, body: wfTplBody(s, t) } : notFound;
  });
  h.route("GET", `${p}workflow_job_templates/:id/launch/`, (_r, a) => {
    const t = tpl(a.id);
    return t ? { status: 200, body: wfLaunchInfo(t) } : notFound;
  });
  h.route("POST", `${p}workflow_job_templates/:id/launch/`, (req, a) => {
    const t = tpl(a.id);
    if (!t) return notFound;
    if (!canApprove(req)) return { status: 403, body: { detail: "You do not have permission to perform this action." } };
    return launchWorkflow(s, t, req, userOf(req));
  });
  h.route("GET", `${p}workflow_job_templates/:id/workflow_nodes/`, (req, a) => {
    const t = tpl(a.id);
    return t ? page(req, t.nodes.map((n) => wfTplNodeBody(s, t, n))) : notFound;
  });
  h.route("GET", `${p}workflow_job_templates/:id/workflow_jobs/`, (req, a) => {
    const t = tpl(a.id);
    return t ? page(req, [...s.wf.jobs.values()].filter((j) => j.wft === t).map((j) => workflowJobBody(s, j, true))) : notFound;
  });

  h.route("GET", `${p}workflow_jobs/`, (req) => page(req, [...s.wf.jobs.values()].map((j) => workflowJobBody(s, j, true))));
  h.route("GET", `${p}workflow_jobs/:id/`, (_r, a) => {
    const j = wfJob(a.id);
    return j ? { status: 200, body: workflowJobBody(s, j) } : notFound;
  });
  h.route("GET", `${p}workflow_jobs/:id/workflow_nodes/`, (req, a) => {
    const j = wfJob(a.id);
    return j ? page(req, j.nodes.map((n) => wfJobNodeBody(s, j, n))) : notFound;
  });
  h.route("GET", `${p}workflow_jobs/:id/cancel/`, (_r, a) => {
    const j = wfJob(a.id);
    return j ? { status: 200, body: { can_cancel: ["new", "pending", "waiting", "running"].includes(j.status) } } : notFound;
  });
  h.route("POST", `${p}workflow_jobs/:id/cancel/`, (_r, a) => {
    const j = wfJob(a.id);
    return j ? cancelWorkflow(s, j) : notFound;
  });
  h.route("GET", `${p}workflow_job_nodes/:id/`, (_r, a) => {
    for (const j of s.wf.jobs.values()) {
      const n = j.nodes.find((x) => x.id === Number(a.id));
      if (n) return { status: 200, body: wfJobNodeBody(s, j, n) };
    }
    return notFound;
  });

  h.route("GET", `${p}workflow_approvals/`, (req) => page(req, [...s.wf.approvals.values()].map((x) => approvalBody(s, x, canApprove(req)))));
  h.route("GET", `${p}workflow_approvals/:id/`, (req, a) => {
    const x = approval(a.id);
    return x ? { status: 200, body: approvalBody(s, x, canApprove(req)) } : notFound;
  });
  for (const action of ["approve", "deny"] as const) {
    // WorkflowApprovalApprove / WorkflowApprovalDeny: a RetrieveAPIView whose serializer has no fields.
    h.route("GET", `${p}workflow_approvals/:id/${action}/`, (_r, a) => (approval(a.id) ? { status: 200, body: {} } : notFound));
    h.route("POST", `${p}workflow_approvals/:id/${action}/`, (req, a) => {
      const x = approval(a.id);
      if (!x) return notFound;
      if (!canApprove(req)) return { status: 403, body: { detail: "User does not have permission to approve or deny this workflow." } };
      if (x.status !== "pending") return { status: 400, body: { error: "This workflow step has already been approved or denied." } };
      endApproval(s, x, action === "approve" ? "successful" : "failed", userOf(req));
      return { status: 204 };
    });
  }
}

function bearer(req: FakeRequest): string {
  return /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ""))?.[1] ?? "";
}
