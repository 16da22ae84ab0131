import { ACTIVE, CREDENTIAL, EE, INVENTORY, ORG, PROJECT_ID, USER, type JobRec, type Obj } from "./fake-aap-records.ts";
import type { AapState } from "./fake-aap-state.ts";
import { inventorySummary } from "./fake-aap-template-serializers.ts";
import { elapsed, iso, isFailed, pyJson } from "./fake-aap-format.ts";

/** A job as GET jobs/:id/ returns it; `list` leaves out what the list serializer leaves out. */
export function jobBody(s: AapState, j: JobRec, list = false): Obj {
  const p = s.p;
  const base = `${p}jobs/${j.id}/`;
  const t = j.tpl;
  const body: Obj = {
    id: j.id, type: "job", url: base,
    related: {
      created_by: `${p}users/1/`, labels: `${base}labels/`, inventory: `${p}inventories/${INVENTORY.id}/`, project: `${p}projects/${PROJECT_ID}/`,
      credentials: `${base}credentials/`, unified_job_template: `${p}job_templates/${t.id}/`, stdout: `${base}stdout/`,
      job_events: `${base}job_events/`, job_host_summaries: `${base}job_host_summaries/`, activity_stream: `${base}activity_stream/`,
      notifications: `${base}notifications/`, create_schedule: `${base}create_schedule/`, job_template: `${p}job_templates/${t.id}/`,
      cancel: `${base}cancel/`, project_update: `${p}project_updates/${s.project.lastUpdate}/`, relaunch: `${base}relaunch/`,
    },
    summary_fields: {
      organization: ORG,
      inventory: inventorySummary(),
      execution_environment: EE,
      project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: s.project.status, scm_type: "git" },
      project_update: { id: s.project.lastUpdate, name: "HomeLab Ops", description: "", status: "successful", failed: false },
      job_template: { id: t.id, name: t.name, description: t.description },
      unified_job_template: { id: t.id, name: t.name, description: t.description, unified_job_type: "job" },
      instance_group: { id: 1, name: "default", is_container_group: false },
      created_by: USER,
      user_capabilities: { delete: !ACTIVE.includes(j.status), start: true },
      labels: { count: 0, results: [] },
      credentials: [CREDENTIAL],
    },
    created: iso(j.created), modified: iso(j.modified), name: t.name, description: t.description,
    job_type: j.jobType, inventory: INVENTORY.id, project: PROJECT_ID, playbook: t.playbook, scm_branch: "", forks: 0,
    limit: j.limit, verbosity: 0, extra_vars: pyJson(j.extraVars), job_tags: "", force_handlers: false, skip_tags: "",
    start_at_task: "", timeout: 0, use_fact_cache: false, unified_job_template: t.id, launch_type: j.launchType,
    status: j.status, failed: isFailed(j.status), started: j.started ? iso(j.started) : null, finished: j.finished ? iso(j.finished) : null,
    canceled_on: j.status === "canceled" && j.finished ? iso(j.finished) : null, elapsed: elapsed(j),
    job_args: JSON.stringify(["ansible-playbook", "-u", "ansible", "-i", "/runner/inventory", "-e", "@/runner/env/extravars", t.playbook]),
    job_cwd: "/runner/project", job_env: { JOB_ID: String(j.id), INVENTORY_ID: String(INVENTORY.id), PROJECT_REVISION: s.project.revision, ANSIBLE_FORCE_COLOR: "True" },
    job_explanation: "", execution_node: "aap01", controller_node: "aap01", result_traceback: "",
    event_processing_finished: j.eventsFinished, launched_by: { id: USER.id, name: USER.username, type: "user", url: `${p}users/1/` },
    work_unit_id: null, job_template: t.id, passwords_needed_to_start: [], allow_simultaneous: false, artifacts: {},
    scm_revision: s.project.revision, instance_group: 1, diff_mode: false, job_slice_number: 0, job_slice_count: 1, webhook_service: "",
    webhook_credential: null, webhook_guid: "", host_status_counts: j.hostStatusCounts,
    playbook_counts: { play_count: j.playCount, task_count: j.taskCount }, custom_virtualenv: null, execution_environment: EE.id,
  };
  // The list serializer (UnifiedJobListSerializer) leaves out the heavy fields.
  if (list) for (const k of ["job_args", "job_cwd", "job_env", "result_traceback", "event_processing_finished", "artifacts"]) delete body[k];
  return body;
}
