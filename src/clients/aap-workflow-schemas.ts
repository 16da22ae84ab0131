import { z } from "zod";

/** The workflow parts of AWX's API v2 that labops reads: workflow job templates, workflow jobs and their nodes, approvals. */

const timestamp = z.string().nullable();
const named = z.looseObject({ id: z.number().int(), name: z.string() });
const user = z.looseObject({ id: z.number().int(), username: z.string() });

export const WorkflowJobTemplateSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("workflow_job_template"),
  name: z.string(),
  description: z.string().optional(),
  ask_variables_on_launch: z.boolean(),
  ask_limit_on_launch: z.boolean().optional(),
  survey_enabled: z.boolean().optional(),
});
export type WorkflowJobTemplate = z.output<typeof WorkflowJobTemplateSchema>;

export const WorkflowJobSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("workflow_job"),
  name: z.string(),
  status: z.string(),
  failed: z.boolean(),
  started: timestamp,
  finished: timestamp,
  extra_vars: z.string().optional(),
  limit: z.string().nullable().optional(),
  workflow_job_template: z.number().int().nullable().optional(),
  job_explanation: z.string().optional(),
  summary_fields: z.looseObject({ created_by: user.optional() }).optional(),
});
export type WorkflowJob = z.output<typeof WorkflowJobSchema>;

/** POST workflow_job_templates/{id}/launch/ (201): the workflow job plus `workflow_job` and `ignored_fields`. */
export const WorkflowLaunchResponseSchema = WorkflowJobSchema.extend({
  workflow_job: z.number().int(),
  ignored_fields: z.record(z.string(), z.unknown()).default({}),
});

export const WorkflowJobNodeSchema = z.looseObject({
  id: z.number().int(),
  job: z.number().int().nullable(),
  identifier: z.string().optional(),
  do_not_run: z.boolean(),
  success_nodes: z.array(z.number().int()),
  failure_nodes: z.array(z.number().int()),
  always_nodes: z.array(z.number().int()),
  summary_fields: z.looseObject({
    job: z.looseObject({ id: z.number().int(), name: z.string(), status: z.string(), type: z.string() }).optional(),
    unified_job_template: z.looseObject({ id: z.number().int(), name: z.string(), unified_job_type: z.string().optional() }).optional(),
  }),
});
export type WorkflowJobNode = z.output<typeof WorkflowJobNodeSchema>;

export const WorkflowApprovalSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("workflow_approval"),
  name: z.string(),
  description: z.string().optional(),
  status: z.string(),
  created: z.string(),
  finished: timestamp.optional(),
  job_explanation: z.string().optional(),
  can_approve_or_deny: z.boolean().optional(),
  /** created + timeout while pending; null when it never expires or is no longer pending. */
  approval_expiration: timestamp.optional(),
  timed_out: z.boolean(),
  summary_fields: z.looseObject({
    workflow_job: named.optional(),
    workflow_job_template: named.optional(),
    approved_or_denied_by: user.optional(),
    workflow_approval_template: z.looseObject({ timeout: z.number().optional() }).optional(),
  }),
});
export type WorkflowApproval = z.output<typeof WorkflowApprovalSchema>;
