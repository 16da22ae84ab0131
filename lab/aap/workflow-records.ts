import type { Obj, Rec } from "./records.ts";

/** The fake AAP's workflow records: workflow job templates with their nodes, workflow jobs, their nodes and approvals. */

/** A node of a workflow job template: a job template to run, or an approval to wait for. */
export interface WfNodeSpec {
  id: number;
  identifier: string;
  /** A job template's id (a job node) ... */
  templateId?: number | undefined;
  /** ... or the approval template this node waits on (an approval node). */
  approval?: { id: number; name: string; description: string; timeout: number } | undefined;
  success: number[];
  failure: number[];
  always: number[];
}

export interface WfTpl extends Rec {
  /** fields: name, description, organization, extra_vars, ask_*_on_launch, survey_enabled, allow_simultaneous, inventory, limit. */
  nodes: WfNodeSpec[];
  lastJob?: WfJobRec | undefined;
}

export interface WfJobNode {
  id: number;
  spec: WfNodeSpec;
  created: Date;
  modified: Date;
  /** The job or approval this node spawned (unified job id). */
  jobId?: number | undefined;
  doNotRun: boolean;
}

export interface WfJobRec {
  id: number;
  wft: WfTpl;
  status: string;
  created: Date;
  modified: Date;
  started?: Date | undefined;
  finished?: Date | undefined;
  extraVars: Obj;
  limit: string;
  explanation: string;
  cancelRequested: boolean;
  /** A node failed with no failure or always path: the workflow fails. */
  failedUnhandled?: boolean | undefined;
  nodes: WfJobNode[];
}

export interface ApprovalRec {
  id: number;
  wfJob: WfJobRec;
  node: WfJobNode;
  name: string;
  description: string;
  /** Seconds before the approval expires and fails; 0: never. */
  timeout: number;
  templateId: number;
  status: "pending" | "successful" | "failed" | "canceled";
  timedOut: boolean;
  created: Date;
  modified: Date;
  finished?: Date | undefined;
  /** The user who approved or denied it. */
  decidedBy?: string | undefined;
  explanation: string;
}

/** The workflow part of the fake controller's state. */
export interface WorkflowState {
  templates: WfTpl[];
  jobs: Map<number, WfJobRec>;
  approvals: Map<number, ApprovalRec>;
  nextNodeId: number;
  /** Bearer tokens of a user who may read approvals but not approve or deny them. */
  readOnlyTokens: Set<string>;
}
