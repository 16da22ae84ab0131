import { USER, type Obj, type Tpl } from "./records.ts";
import type { AapState } from "./state.ts";
import { fkLinks, fkSummary, nameOf, recOf } from "./objects.ts";
import { iso, isFailed } from "./format.ts";
import { objectRoles } from "./roles.ts";
import { variablesNeeded } from "./surveys.ts";

const EE_ID = 1;

/** A job template as GET job_templates/:id/ returns it. */
export function tplBody(s: AapState, t: Tpl): Obj {
  const p = s.p;
  const base = `${p}job_templates/${t.id}/`;
  const last = t.lastJob;
  const rel = (k: string) => `${base}${k}/`;
  const { related, summary } = fkLinks(s, t, { inventory: "inventories", project: "projects", execution_environment: "execution_environments", webhook_credential: "credentials" });
  const org = t.fields.organization;
  return {
    id: t.id, type: "job_template", url: base,
    related: {
      named_url: `${p}job_templates/${t.name}++${nameOf(s, "organizations", org) ?? ""}/`, created_by: `${p}users/1/`, modified_by: `${p}users/1/`,
      labels: rel("labels"), ...related, ...(org ? { organization: `${p}organizations/${String(org)}/` } : {}),
      credentials: rel("credentials"), ...(last ? { last_job: `${p}jobs/${last.id}/` } : {}), jobs: rel("jobs"), schedules: rel("schedules"),
      activity_stream: rel("activity_stream"), launch: rel("launch"),
      notification_templates_started: rel("notification_templates_started"), notification_templates_success: rel("notification_templates_success"),
      notification_templates_error: rel("notification_templates_error"), access_list: rel("access_list"), survey_spec: rel("survey_spec"),
      object_roles: rel("object_roles"), instance_groups: rel("instance_groups"), slice_workflow_jobs: rel("slice_workflow_jobs"), copy: rel("copy"),
      webhook_receiver: "", webhook_key: rel("webhook_key"),
    },
    summary_fields: {
      organization: fkSummary(s, "organizations", org),
      ...summary,
      ...(last ? {
        last_job: { id: last.id, name: t.name, description: t.description, finished: last.finished ? iso(last.finished) : null, status: last.status, failed: isFailed(last.status) },
        last_update: { id: last.id, name: t.name, description: t.description, status: last.status, failed: isFailed(last.status) },
      } : {}),
      created_by: USER, modified_by: USER,
      object_roles: objectRoles("job_templates", t.id),
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
      labels: { count: 0, results: [] },
      recent_jobs: [...s.jobs.values()].filter((j) => j.tpl === t).slice(-10).reverse()
        .map((j) => ({ id: j.id, status: j.status, finished: j.finished ? iso(j.finished) : null, canceled_on: null, type: "job" })),
      credentials: (t.links.credentials ?? []).map((id) => fkSummary(s, "credentials", id)).filter(Boolean),
      resolved_environment: fkSummary(s, "execution_environments", t.fields.execution_environment ?? EE_ID),
      ...(summary.execution_environment ? {} : { execution_environment: fkSummary(s, "execution_environments", EE_ID) }),
    },
    created: iso(t.created), modified: iso(t.modified), ...t.fields, organization: org ?? null,
    last_job_run: last?.finished ? iso(last.finished) : null, last_job_failed: last ? isFailed(last.status) : false, next_job_run: null,
    status: last ? last.status : "never updated", custom_virtualenv: null, webhook_key: "",
    execution_environment: t.fields.execution_environment ?? EE_ID,
  };
}

/** GET job_templates/:id/launch/: what a launch needs and would default to. */
export function launchInfo(s: AapState, t: Tpl): Obj {
  const f = t.fields;
  const asks = Object.fromEntries(Object.entries(f).filter(([k]) => /^ask_.*_on_launch$/.test(k)));
  const inv = recOf(s, "inventories", t.inventory);
  return {
    can_start_without_user_input: t.inventory !== null && variablesNeeded(f.survey_enabled, t.survey).length === 0, passwords_needed_to_start: [], ...asks,
    survey_enabled: f.survey_enabled === true && t.survey !== undefined, variables_needed_to_start: variablesNeeded(f.survey_enabled, t.survey), credential_needed_to_start: false, inventory_needed_to_start: t.inventory === null,
    job_template_data: { name: t.name, id: t.id, description: t.description },
    defaults: {
      extra_vars: f.extra_vars, diff_mode: f.diff_mode, limit: f.limit, job_tags: f.job_tags, skip_tags: f.skip_tags, job_type: f.job_type, verbosity: f.verbosity,
      inventory: inv ? { name: inv.fields.name, id: inv.id } : { name: null, id: null },
      credentials: (t.links.credentials ?? []).map((id) => ({ id, name: nameOf(s, "credentials", id), credential_type: recOf(s, "credentials", id)?.fields.credential_type, passwords_needed: [] })),
      scm_branch: f.scm_branch, execution_environment: { name: nameOf(s, "execution_environments", EE_ID), id: EE_ID }, labels: [], forks: f.forks,
      job_slice_count: f.job_slice_count, timeout: f.timeout, instance_groups: [],
    },
  };
}
