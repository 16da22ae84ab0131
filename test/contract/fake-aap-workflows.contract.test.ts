import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAap } from "../../lab/aap/fake-aap.ts";

type Obj = Record<string, any>;

/** Workflow job templates, workflow jobs and approvals in the fake controller, as AWX's API shows and decides them. */
describe("fake AAP workflows and approvals", () => {
  let fake: FakeAap;
  let base: string;
  const api = async (path: string, method = "GET", body?: unknown, token = fake.token) => {
    const res = await fetch(`${base}/api/v2/${path}`, {
      method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Obj };
  };
  const until = async (what: () => Promise<boolean>, ms = 5_000) => {
    const end = Date.now() + ms;
    while (!(await what())) {
      if (Date.now() > end) throw new Error("timed out");
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  const pending = async () => (await api("workflow_approvals/?status=pending")).body.results as Obj[];
  const launch = async (name: string, body: Obj) => {
    const t = (await api(`workflow_job_templates/?name=${encodeURIComponent(name)}`)).body.results[0];
    return api(`workflow_job_templates/${t.id}/launch/`, "POST", body);
  };

  beforeAll(async () => {
    fake = new FakeAap({ stepMs: 5, pendingMs: 5 });
    base = await fake.start();
    fake.addWorkflow({ name: "Quick Approval", askVariables: true, askLimit: true, nodes: [
      { identifier: "gate", approval: { name: "Gate", timeout: 1 }, success: ["deploy"], failure: ["report"] },
      { identifier: "deploy", template: "Master Deploy" },
      { identifier: "report", template: "Setup AAP (Seeder)" },
    ] });
    fake.addReadOnlyToken("auditor-token");
  });
  afterAll(async () => {
    await fake.close();
  });

  it("lists the seeded workflow with its prompts, launch requirements and nodes", async () => {
    const t = (await api("workflow_job_templates/?name=Deploy%20with%20Approval")).body.results[0];
    expect(t).toMatchObject({ type: "workflow_job_template", ask_variables_on_launch: true, ask_limit_on_launch: true, survey_enabled: false, related: { launch: `/api/v2/workflow_job_templates/${t.id}/launch/` } });
    expect((await api(`workflow_job_templates/${t.id}/launch/`)).body).toMatchObject({ can_start_without_user_input: true, variables_needed_to_start: [], workflow_job_template_data: { id: t.id } });
    const nodes = (await api(`workflow_job_templates/${t.id}/workflow_nodes/`)).body.results;
    expect(nodes.map((n: Obj) => [n.identifier, n.summary_fields.unified_job_template.unified_job_type])).toEqual([["approve", "workflow_approval"], ["deploy", "job"]]);
    expect(nodes[0].success_nodes).toEqual([nodes[1].id]);
  });

  it("a launch pauses on the approval; approve (204) runs the job node with the workflow's vars and limit; a second approve is 400", async () => {
    const l = await launch("Deploy with Approval", { extra_vars: { app: "grafana" }, limit: "docker01", inventory: 1 });
    expect(l.status).toBe(201);
    expect(l.body).toMatchObject({ workflow_job: l.body.id, type: "workflow_job", ignored_fields: { inventory: 1 }, status: "pending", extra_vars: '{"app": "grafana"}', limit: "docker01" });
    await until(async () => (await pending()).some((a) => a.summary_fields.workflow_job.id === l.body.id));
    const a = (await pending()).find((x) => x.summary_fields.workflow_job.id === l.body.id)!;
    expect(a).toMatchObject({ type: "workflow_approval", name: "Approve the deploy", status: "pending", can_approve_or_deny: true, timed_out: false, launch_type: "workflow",
      summary_fields: { workflow_job_template: { name: "Deploy with Approval" }, workflow_approval_template: { timeout: 3600 } } });
    expect(Date.parse(a.approval_expiration) - Date.parse(a.created)).toBeGreaterThan(3_599_000);
    expect((await api(`workflow_approvals/${a.id}/`, "GET", undefined, "auditor-token")).body.can_approve_or_deny).toBe(false);
    expect(await api(`workflow_approvals/${a.id}/approve/`, "POST", {}, "auditor-token")).toMatchObject({ status: 403, body: { detail: "User does not have permission to approve or deny this workflow." } });

    expect((await api(`workflow_approvals/${a.id}/approve/`, "POST", {})).status).toBe(204);
    expect(await api(`workflow_approvals/${a.id}/deny/`, "POST", {})).toMatchObject({ status: 400, body: { error: "This workflow step has already been approved or denied." } });
    expect((await api(`workflow_approvals/${a.id}/`)).body).toMatchObject({ status: "successful", approval_expiration: null, can_approve_or_deny: false, summary_fields: { approved_or_denied_by: { username: "admin" } } });
    await until(async () => (await api(`workflow_jobs/${l.body.id}/`)).body.status === "successful");
    const nodes = (await api(`workflow_jobs/${l.body.id}/workflow_nodes/?job__name=Master%20Deploy`)).body.results;
    expect(nodes).toHaveLength(1);
    const job = fake.job(nodes[0].job)!;
    expect(job).toMatchObject({ templateName: "Master Deploy", status: "successful", limit: "docker01", extraVars: { app: "grafana" }, launchType: "workflow" });
  });

  it("deny fails the approval, runs the failure path and skips the success path", async () => {
    const l = await launch("Quick Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    await until(async () => (await pending()).some((a) => a.summary_fields.workflow_job.id === l.body.id));
    const a = (await pending()).find((x) => x.summary_fields.workflow_job.id === l.body.id)!;
    expect((await api(`workflow_approvals/${a.id}/deny/`, "POST", {})).status).toBe(204);
    await until(async () => !["pending", "running"].includes((await api(`workflow_jobs/${l.body.id}/`)).body.status));
    const nodes = (await api(`workflow_jobs/${l.body.id}/workflow_nodes/`)).body.results as Obj[];
    expect(nodes.map((n) => [n.identifier, n.do_not_run, n.summary_fields.job?.status])).toEqual([["gate", false, "failed"], ["deploy", true, undefined], ["report", false, "successful"]]);
    // The failure had a path, so the workflow itself is successful (AWX's rule).
    expect((await api(`workflow_jobs/${l.body.id}/`)).body.status).toBe("successful");
  });

  it("an approval not decided within its timeout fails with timed_out and AWX's explanation; deciding it then is 400", async () => {
    const l = await launch("Quick Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    await until(async () => fake.approvals().some((a) => a.workflowJob === l.body.id));
    const id = fake.approvals().find((a) => a.workflowJob === l.body.id)!.id;
    await until(async () => (await api(`workflow_approvals/${id}/`)).body.status !== "pending", 3_000);
    expect((await api(`workflow_approvals/${id}/`)).body).toMatchObject({ status: "failed", timed_out: true, job_explanation: `The approval node Gate (${id}) has expired after 1 seconds.` });
    expect((await api(`workflow_approvals/?timed_out=true&id=${id}`)).body.count).toBe(1);
    expect((await api(`workflow_approvals/${id}/approve/`, "POST", {})).status).toBe(400);
  });

  it("extra_vars on a workflow that does not prompt for them are ignored; cancel cancels the pending approval", async () => {
    const id = fake.addWorkflow({ name: "No Prompts", nodes: [{ identifier: "gate", approval: { name: "Gate" } }] });
    const l = await api(`workflow_job_templates/${id}/launch/`, "POST", { extra_vars: { app: "x" }, limit: "docker01" });
    expect(l.body.ignored_fields).toEqual({ extra_vars: { app: "x" }, limit: "docker01" });
    await until(async () => fake.approvals().some((a) => a.workflowJob === l.body.id));
    expect((await api(`workflow_jobs/${l.body.id}/cancel/`, "POST", {})).status).toBe(202);
    await until(async () => (await api(`workflow_jobs/${l.body.id}/`)).body.status === "canceled");
    expect(fake.approvals().find((a) => a.workflowJob === l.body.id)!.status).toBe("canceled");
    expect((await api("workflow_approvals/?status=pending&status__in=pending")).status).toBe(200);
  });
});
