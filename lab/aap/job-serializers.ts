import { displayExtraVars } from "./surveys.ts";
import { ACTIVE, USER, type JobRec, type Obj, type SyncRec } from "./records.ts";
import type { AapState } from "./state.ts";
import { fkSummary, recOf } from "./objects.ts";
import { elapsed, iso, isFailed, pyJson } from "./format.ts";

/** A job as GET jobs/:id/ returns it; `list` leaves out what the list serializer leaves out. */
export function jobBody(s: AapState, j: JobRec, list = false, exclude?: string | null): Obj {
  const p = s.p;
  const base = `${p}jobs/${j.id}/`;
  const t = j.tpl;
  const inv = t.inventory;
  const projectId = t.fields.project as number | null;
  const project = recOf(s, "projects", projectId) as SyncRec | undefined;
  const lastUpdate = project?.lastUpdate ?? null;
  const credentials = (t.links.credentials ?? []).map((id) => fkSummary(s, "credentials", id)).filter(Boolean);
  const body: Obj = {
    id: j.id, type: "job", url: base,
    related: {
      created_by: `${p}users/1/`, labels: `${base}labels/`, inventory: `${p}inventories/${String(inv)}/`, project: `${p}projects/${String(projectId)}/`,
      credentials: `${base}credentials/`, unified_job_template: `${p}job_templates/${t.id}/`, stdout: `${base}stdout/`,
      job_events: `${base}job_events/`, job_host_summaries: `${base}job_host_summaries/`, activity_stream: `${base}activity_stream/`,
      notifications: `${base}notifications/`, create_schedule: `${base}create_schedule/`, job_template: `${p}job_templates/${t.id}/`,
      cancel: `${base}cancel/`, project_update: `${p}project_updates/${String(lastUpdate)}/`, relaunch: `${base}relaunch/`,
    },
    summary_fields: {
      organization: fkSummary(s, "organizations", t.fields.organization),
      inventory: fkSummary(s, "inventories", inv),
      execution_environment: fkSummary(s, "execution_environments", 1),
      project: fkSummary(s, "projects", projectId),
      project_update: { id: lastUpdate, name: project?.fields.name, description: "", status: "successful", failed: false },
      job_template: { id: t.id, name: t.name, description: t.description },
      unified_job_template: { id: t.id, name: t.name, description: t.description, unified_job_type: "job" },
      instance_group: { id: 1, name: "default", is_container_group: false },
      created_by: USER,
      user_capabilities: { delete: !ACTIVE.includes(j.status), start: true },
      labels: { count: 0, results: [] },
      credentials,
    },
    created: iso(j.created), modified: iso(j.modified), name: t.name, description: t.description,
    job_type: j.jobType, inventory: inv, project: projectId, playbook: t.playbook, scm_branch: "", forks: 0,
    limit: j.limit, verbosity: 0, extra_vars: pyJson(displayExtraVars(j.extraVars, j.surveyPasswords)), job_tags: "", force_handlers: false, skip_tags: "",
    start_at_task: "", timeout: 0, use_fact_cache: false, unified_job_template: t.id, launch_type: j.launchType,
    status: j.status, failed: isFailed(j.status), started: j.started ? iso(j.started) : null, finished: j.finished ? iso(j.finished) : null,
    canceled_on: j.status === "canceled" && j.finished ? iso(j.finished) : null, elapsed: elapsed(j),
    job_args: JSON.stringify(["ansible-playbook", "-u", "ansible", "-i", "/runner/inventory", "-e", "@/runner/env/extravars", t.playbook]),
    job_cwd: "/runner/project", job_env: { JOB_ID: String(j.id), INVENTORY_ID: String(inv), PROJECT_REVISION: project?.revision ?? "", ANSIBLE_FORCE_COLOR: "True" },
    job_explanation: "", execution_node: "aap01", controller_node: "aap01", result_traceback: "",
    event_processing_finished: j.eventsFinished, launched_by: { id: USER.id, name: USER.username, type: "user", url: `${p}users/1/` },
    work_unit_id: null, job_template: t.id, passwords_needed_to_start: [], allow_simultaneous: false, artifacts: {},
    scm_revision: project?.revision ?? "", instance_group: 1, diff_mode: j.diffMode === true, job_slice_number: 0, job_slice_count: 1, webhook_service: "",
    webhook_credential: null, webhook_guid: "", host_status_counts: j.hostStatusCounts,
    playbook_counts: { play_count: j.playCount, task_count: j.taskCount }, custom_virtualenv: null, execution_environment: 1,
  };
  // The list serializer (UnifiedJobListSerializer) leaves out the heavy fields.
  if (list) for (const k of ["job_args", "job_cwd", "job_env", "result_traceback", "event_processing_finished"]) delete body[k];
  // Since AWX PR #16461 the list also leaves out artifacts and extra_vars unless `?exclude=` names the
  // heavy fields to leave out (and only those); before it, artifacts only.
  if (list) {
    const heavy = s.opts.listExtraVars === false ? (exclude == null ? ["artifacts", "extra_vars"] : exclude.split(",")) : ["artifacts"];
    for (const k of heavy) delete body[k];
  }
  return body;
}
