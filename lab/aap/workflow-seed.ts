import { SEEDED, type Obj } from "./records.ts";
import type { AapState } from "./state.ts";
import type { WfNodeSpec, WfTpl } from "./workflow-records.ts";

/** A workflow to add to the fake controller: nodes by identifier, a job template by name or an approval. */
export interface FakeWorkflowSpec {
  name: string;
  description?: string | undefined;
  askVariables?: boolean | undefined;
  askLimit?: boolean | undefined;
  nodes: {
    identifier: string;
    template?: string | undefined;
    approval?: { name: string; description?: string | undefined; timeout?: number | undefined } | undefined;
    success?: string[] | undefined;
    failure?: string[] | undefined;
    always?: string[] | undefined;
  }[];
}

/** Workflow job templates and approval templates take ids from the unified job template sequence, as in AWX. */
export function addWorkflow(s: AapState, spec: FakeWorkflowSpec, created = new Date()): WfTpl {
  if (s.wf.templates.some((t) => t.fields.name === spec.name)) throw new Error(`workflow ${spec.name} exists`);
  const id = s.nextUjt++;
  const nodeIds = new Map(spec.nodes.map((n, i) => [n.identifier, s.wf.templates.reduce((m, t) => m + t.nodes.length, 0) + i + 1]));
  const ref = (ids: string[] | undefined) => (ids ?? []).map((x) => {
    const n = nodeIds.get(x);
    if (n === undefined) throw new Error(`workflow ${spec.name}: no node ${x}`);
    return n;
  });
  const nodes: WfNodeSpec[] = spec.nodes.map((n) => {
    const templateId = n.template === undefined ? undefined : s.templates.find((t) => t.name === n.template)?.id;
    if (n.template !== undefined && templateId === undefined) throw new Error(`workflow ${spec.name}: no job template ${n.template}`);
    return {
      id: nodeIds.get(n.identifier)!, identifier: n.identifier, templateId,
      approval: n.approval ? { id: s.nextUjt++, name: n.approval.name, description: n.approval.description ?? "", timeout: n.approval.timeout ?? 0 } : undefined,
      success: ref(n.success), failure: ref(n.failure), always: ref(n.always),
    };
  });
  const fields: Obj = {
    name: spec.name, description: spec.description ?? "", extra_vars: "", organization: 1, survey_enabled: false, allow_simultaneous: false,
    ask_variables_on_launch: spec.askVariables ?? false, inventory: null, limit: null, scm_branch: null, ask_inventory_on_launch: false,
    ask_scm_branch_on_launch: false, ask_limit_on_launch: spec.askLimit ?? false, webhook_service: "", webhook_credential: null,
    ask_labels_on_launch: false, ask_skip_tags_on_launch: false, ask_tags_on_launch: false, skip_tags: null, job_tags: null,
  };
  const t: WfTpl = { id, fields, created, modified: created, links: {}, nodes };
  s.wf.templates.push(t);
  return t;
}

/** The homelab's workflow: a deploy that waits for a person's approval (one hour) before Master Deploy runs. */
export function seedWorkflows(s: AapState): void {
  addWorkflow(s, {
    name: "Deploy with Approval", description: "Master Deploy after a second person approves", askVariables: true, askLimit: true,
    nodes: [
      { identifier: "approve", approval: { name: "Approve the deploy", description: "A second person checks the app and host", timeout: 3600 }, success: ["deploy"] },
      { identifier: "deploy", template: "Master Deploy" },
    ],
  }, SEEDED);
}
