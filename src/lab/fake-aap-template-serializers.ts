import { LAB_HOSTS } from "./homelab.ts";
import { CREDENTIAL, EE, INVENTORY, ORG, PROJECT_ID, SEEDED, USER, type Obj, type Tpl } from "./fake-aap-records.ts";
import type { AapState } from "./fake-aap-state.ts";
import { iso, isFailed } from "./fake-aap-format.ts";

/** A job template as GET job_templates/:id/ returns it. */
export function tplBody(s: AapState, t: Tpl): Obj {
  const p = s.p;
  const base = `${p}job_templates/${t.id}/`;
  const last = t.lastJob;
  const rel = (k: string) => `${base}${k}/`;
  return {
    id: t.id, type: "job_template", url: base,
    related: {
      named_url: `${p}job_templates/${t.name}++${ORG.name}/`, created_by: `${p}users/1/`, modified_by: `${p}users/1/`,
      labels: rel("labels"), inventory: t.inventory === null ? undefined : `${p}inventories/${t.inventory}/`, project: `${p}projects/${PROJECT_ID}/`,
      credentials: rel("credentials"), ...(last ? { last_job: `${p}jobs/${last.id}/` } : {}), jobs: rel("jobs"), schedules: rel("schedules"),
      activity_stream: rel("activity_stream"), launch: rel("launch"),
      notification_templates_started: rel("notification_templates_started"), notification_templates_success: rel("notification_templates_success"),
      notification_templates_error: rel("notification_templates_error"), access_list: rel("access_list"), survey_spec: rel("survey_spec"),
      object_roles: rel("object_roles"), instance_groups: rel("instance_groups"), slice_workflow_jobs: rel("slice_workflow_jobs"), copy: rel("copy"),
      webhook_receiver: "", webhook_key: rel("webhook_key"),
    },
    summary_fields: {
      organization: ORG,
      inventory: t.inventory === null ? undefined : inventorySummary(),
      execution_environment: EE,
      project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: s.project.status, scm_type: "git" },
      ...(last ? {
        last_job: { id: last.id, name: t.name, description: t.description, finished: last.finished ? iso(last.finished) : null, status: last.status, failed: isFailed(last.status) },
        last_update: { id: last.id, name: t.name, description: t.description, status: last.status, failed: isFailed(last.status) },
      } : {}),
      created_by: USER, modified_by: USER,
      object_roles: {
        admin_role: { description: "Can manage all aspects of the job template", name: "Admin", id: 24 + 3 * (t.id - 7) },
        execute_role: { description: "May run the job template", name: "Execute", id: 25 + 3 * (t.id - 7) },
        read_role: { description: "May view settings for the job template", name: "Read", id: 26 + 3 * (t.id - 7) },
      },
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
      labels: { count: 0, results: [] },
      recent_jobs: [...s.jobs.values()].filter((j) => j.tpl === t).slice(-10).reverse()
        .map((j) => ({ id: j.id, status: j.status, finished: j.finished ? iso(j.finished) : null, canceled_on: null, type: "job" })),
      credentials: [{ id: CREDENTIAL.id, name: CREDENTIAL.name, description: "", kind: "ssh", cloud: false }],
      resolved_environment: EE,
    },
    created: iso(SEEDED), modified: iso(SEEDED), name: t.name, description: t.description,
    job_type: "run", inventory: t.inventory, project: PROJECT_ID, playbook: t.playbook, scm_branch: "", forks: 0, limit: "", verbosity: 0,
    extra_vars: "", job_tags: "", force_handlers: false, skip_tags: "", start_at_task: "", timeout: 0, use_fact_cache: false,
    last_job_run: last?.finished ? iso(last.finished) : null, last_job_failed: last ? isFailed(last.status) : false, next_job_run: null,
    status: last ? last.status : "never updated", host_config_key: "",
    ask_scm_branch_on_launch: false, ask_diff_mode_on_launch: false, ask_variables_on_launch: t.ask.variables, ask_limit_on_launch: t.ask.limit,
    ask_tags_on_launch: false, ask_skip_tags_on_launch: false, ask_job_type_on_launch: t.ask.job_type, ask_verbosity_on_launch: false,
    ask_inventory_on_launch: t.ask.inventory, ask_credential_on_launch: false, ask_execution_environment_on_launch: false,
    ask_labels_on_launch: false, ask_forks_on_launch: false, ask_job_slice_count_on_launch: false, ask_timeout_on_launch: false,
    ask_instance_groups_on_launch: false, survey_enabled: false, become_enabled: true, diff_mode: false, allow_simultaneous: false,
    custom_virtualenv: null, job_slice_count: 1, webhook_credential: null, webhook_key: "", webhook_service: "",
    execution_environment: EE.id, prevent_instance_group_fallback: false,
  };
}

/** GET job_templates/:id/launch/: what a launch needs and would default to. */
export function launchInfo(t: Tpl): Obj {
  const ask = (k: string) => ({ [`ask_${k}_on_launch`]: false });
  return {
    can_start_without_user_input: t.inventory !== null, passwords_needed_to_start: [], ask_scm_branch_on_launch: false,
    ask_variables_on_launch: t.ask.variables, ask_tags_on_launch: false, ask_diff_mode_on_launch: false, ask_skip_tags_on_launch: false,
    ask_job_type_on_launch: t.ask.job_type, ask_limit_on_launch: t.ask.limit, ask_verbosity_on_launch: false,
    ask_inventory_on_launch: t.ask.inventory, ask_credential_on_launch: false,
    ...ask("execution_environment"), ...ask("labels"), ...ask("forks"), ...ask("job_slice_count"), ...ask("timeout"), ...ask("instance_groups"),
    survey_enabled: false, variables_needed_to_start: [], credential_needed_to_start: false, inventory_needed_to_start: t.inventory === null,
    job_template_data: { name: t.name, id: t.id, description: t.description },
    defaults: {
      extra_vars: "", diff_mode: false, limit: "", job_tags: "", skip_tags: "", job_type: "run", verbosity: 0,
      inventory: t.inventory === null ? { name: null, id: null } : { name: INVENTORY.name, id: INVENTORY.id },
      credentials: [{ id: CREDENTIAL.id, name: CREDENTIAL.name, credential_type: 1, passwords_needed: [] }],
      scm_branch: "", execution_environment: { name: EE.name, id: EE.id }, labels: [], forks: 0, job_slice_count: 1, timeout: 0, instance_groups: [],
    },
  };
}

/** The inventory's summary_fields entry. */
export function inventorySummary(): Obj {
  return {
    id: INVENTORY.id, name: INVENTORY.name, description: "Hosts from Nautobot", has_active_failures: false, total_hosts: LAB_HOSTS.length,
    hosts_with_active_failures: 0, total_groups: 0, has_inventory_sources: true, total_inventory_sources: 1,
    inventory_sources_with_failures: 0, organization_id: ORG.id, kind: "",
  };
}
