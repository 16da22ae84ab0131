import { z } from "zod";

/**
 * zod schemas for the AWX / AAP controller v2 objects labops reads. Loose objects: only the fields we
 * use are required, everything else passes through, so a newer controller with more fields still parses.
 */

const nullableId = z.number().int().nullable();
const timestamp = z.string().nullable();

/** The DRF paginated envelope `{count, next, previous, results}`; `next` is a host-relative path. */
export const page = <T extends z.ZodType>(item: T) =>
  z.looseObject({
    count: z.number().int().optional(),
    next: z.string().nullable().optional(),
    previous: z.string().nullable().optional(),
    results: z.array(item),
  });

/** Job statuses (`awx/main/models/unified_jobs.py` JOB_STATUS_CHOICES); kept a string so new ones parse. */
export const JobStatus = z.string();

export const JobTemplateSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("job_template"),
  name: z.string(),
  description: z.string().optional(),
  job_type: z.string(),
  inventory: nullableId,
  project: nullableId,
  playbook: z.string(),
  limit: z.string().optional(),
  extra_vars: z.string().optional(),
  status: z.string().optional(),
  survey_enabled: z.boolean().optional(),
  ask_variables_on_launch: z.boolean(),
  ask_limit_on_launch: z.boolean(),
  ask_inventory_on_launch: z.boolean().optional(),
  ask_job_type_on_launch: z.boolean().optional(),
  summary_fields: z.looseObject({ organization: z.looseObject({ id: z.number(), name: z.string() }).optional() }).optional(),
});
export type JobTemplate = z.output<typeof JobTemplateSchema>;

/** `GET job_templates/{id}/launch/` (JobLaunchSerializer): what a launch will need and accept. */
export const LaunchRequirementsSchema = z.looseObject({
  can_start_without_user_input: z.boolean(),
  passwords_needed_to_start: z.array(z.string()).default([]),
  variables_needed_to_start: z.array(z.string()).default([]),
  credential_needed_to_start: z.boolean().optional(),
  inventory_needed_to_start: z.boolean().optional(),
  survey_enabled: z.boolean().default(false),
  ask_variables_on_launch: z.boolean(),
  ask_limit_on_launch: z.boolean(),
  ask_inventory_on_launch: z.boolean().optional(),
  ask_job_type_on_launch: z.boolean().optional(),
  ask_credential_on_launch: z.boolean().optional(),
  ask_scm_branch_on_launch: z.boolean().optional(),
  ask_tags_on_launch: z.boolean().optional(),
  ask_skip_tags_on_launch: z.boolean().optional(),
  ask_verbosity_on_launch: z.boolean().optional(),
  ask_diff_mode_on_launch: z.boolean().optional(),
  defaults: z.record(z.string(), z.unknown()).default({}),
  job_template_data: z.looseObject({ id: z.number().int(), name: z.string() }).optional(),
});
export type LaunchRequirements = z.output<typeof LaunchRequirementsSchema>;

/** A job (`GET jobs/{id}/`, JobSerializer). `elapsed` is in seconds; timestamps ISO-8601 with `Z`. */
export const JobSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("job"),
  name: z.string(),
  status: JobStatus,
  failed: z.boolean(),
  started: timestamp,
  finished: timestamp,
  elapsed: z.number(),
  job_type: z.string(),
  limit: z.string(),
  /** Always in the detail; left out of job lists since AWX PR #16461 (AWX devel, Ascender). */
  extra_vars: z.string().optional(),
  playbook: z.string().optional(),
  job_template: nullableId.optional(),
  launch_type: z.string().optional(),
  job_explanation: z.string().optional(),
  event_processing_finished: z.boolean().optional(),
  host_status_counts: z.record(z.string(), z.number()).nullable().optional(),
  created: z.string().optional(),
});
export type Job = z.output<typeof JobSchema>;

/**
 * A row of `GET jobs/`: the job serializer without the heavy fields. Since AWX PR #16461 (AWX devel,
 * Ascender) `extra_vars` is one of them: present in the detail, absent from the list.
 */
export const JobListItemSchema = JobSchema;
export type JobListItem = z.output<typeof JobListItemSchema>;

/** `GET ping/` (AllowAny): `version` is the controller's (AWX 24.6.1; AAP 2.5's controller 4.6.x). */
export const PingSchema = z.looseObject({ version: z.string().optional(), active_node: z.string().optional() });

/** `POST job_templates/{id}/launch/` (201): `job` and `ignored_fields` first, then the job serializer. */
export const LaunchResponseSchema = JobSchema.extend({
  job: z.number().int(),
  ignored_fields: z.record(z.string(), z.unknown()).default({}),
});

/** One job event (`GET jobs/{id}/job_events/`). `event_data.res` is the Ansible module result. */
export const JobEventSchema = z.looseObject({
  id: z.number().int(),
  counter: z.number().int(),
  event: z.string(),
  event_data: z.record(z.string(), z.unknown()).default({}),
  failed: z.boolean().default(false),
  changed: z.boolean().default(false),
  host_name: z.string().default(""),
  play: z.string().default(""),
  task: z.string().default(""),
  role: z.string().default(""),
  stdout: z.string().default(""),
  created: z.string().optional(),
});
export type JobEvent = z.output<typeof JobEventSchema>;

export const ProjectSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("project"),
  name: z.string(),
  scm_type: z.string(),
  scm_revision: z.string().optional(),
  status: z.string(),
  last_updated: timestamp.optional(),
  last_update_failed: z.boolean().optional(),
});
export type Project = z.output<typeof ProjectSchema>;

export const InventorySourceSchema = z.looseObject({
  id: z.number().int(),
  type: z.literal("inventory_source"),
  name: z.string(),
  source: z.string(),
  source_path: z.string().optional(),
  inventory: z.number().int(),
  status: z.string(),
  last_updated: timestamp.optional(),
  last_update_failed: z.boolean().optional(),
});
export type InventorySource = z.output<typeof InventorySourceSchema>;

/** Any unified job (project update, inventory update, job): the fields a poller needs. */
export const UnifiedJobSchema = z.looseObject({
  id: z.number().int(),
  type: z.string(),
  name: z.string().optional(),
  status: JobStatus,
  failed: z.boolean(),
  started: timestamp,
  finished: timestamp,
  elapsed: z.number(),
  job_explanation: z.string().optional(),
});
export type UnifiedJob = z.output<typeof UnifiedJobSchema>;

export const ProjectUpdateStartSchema = z.looseObject({ project_update: z.number().int() });
export const InventoryUpdateStartSchema = z.looseObject({ inventory_update: z.number().int() });
/** `POST jobs/{id}/relaunch/` (201): the new job serializer plus `job` (its id). */
export const RelaunchResponseSchema = z.looseObject({ id: z.number().int(), job: z.number().int().optional() });
export const CanCancelSchema = z.looseObject({ can_cancel: z.boolean() });

const surveyBound = z.union([z.number(), z.string(), z.null()]).optional()
  .transform((v) => (v === null || v === undefined || v === "" ? null : Number.isFinite(Number(v)) ? Number(v) : null));

/** GET job_templates/{id}/survey_spec/: `{}` without a survey; `choices` may be a list or one choice a line. */
export const SurveySpecSchema = z.looseObject({
  name: z.string().optional(),
  description: z.string().optional(),
  spec: z.array(z.looseObject({
    question_name: z.string().default(""),
    question_description: z.string().optional(),
    variable: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/),
    type: z.enum(["text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect"]),
    required: z.boolean().default(false),
    min: surveyBound,
    max: surveyBound,
    default: z.unknown().optional(),
    choices: z.union([z.array(z.union([z.string(), z.number()])), z.string()]).optional()
      .transform((c) => (c === undefined ? undefined : typeof c === "string" ? c.split(/\r?\n/).filter((x) => x.trim() !== "") : c.map(String))),
  })).optional(),
});

/** A survey as the client returns it: its questions in order. */
export interface AapSurvey {
  name: string;
  description: string;
  questions: NonNullable<z.output<typeof SurveySpecSchema>["spec"]>;
}
