import type { FakeResponse } from "./fake-http.ts";
import { ACTIVE, EE, INV_SOURCE_ID, INVENTORY, ORG, PROJECT_ID, SEEDED, USER, type Obj, type UpdateRec } from "./fake-aap-records.ts";
import { later, type AapState } from "./fake-aap-state.ts";
import { inventorySummary } from "./fake-aap-template-serializers.ts";
import { iso, isFailed, randomHex, round3 } from "./fake-aap-format.ts";

/** POST projects/:id/update/ or inventory_sources/:id/update/: a timed sync; an inventory update rereads the source. */
export function startUpdate(s: AapState, kind: UpdateRec["kind"]): FakeResponse {
  const u: UpdateRec = { id: s.nextId++, kind, status: "pending", created: new Date(), eventsFinished: false, revision: s.project.revision };
  s.updates.set(u.id, u);
  const owner = kind === "project_update" ? s.project : s.source;
  owner.lastUpdate = u.id;
  const set = (s: string) => {
    u.status = s;
    owner.status = s;
  };
  set("pending");
  later(s, s.pendingMs, () => {
    set("waiting");
    later(s, s.stepMs, () => {
      u.started = new Date();
      set("running");
      later(s, 2 * s.stepMs, () => {
        if (kind === "project_update") s.project.revision = randomHex(40);
        else if (s.inventorySource) s.inventory = [...new Set(s.inventorySource())].sort();
        u.revision = s.project.revision;
        u.finished = new Date();
        owner.lastUpdated = u.finished;
        set("successful");
        later(s, s.stepMs, () => (u.eventsFinished = true));
      });
    });
  });
  const path = kind === "project_update" ? "project_updates" : "inventory_updates";
  return { status: 202, headers: { location: `${s.p}${path}/${u.id}/` }, body: { [kind]: u.id, ...updateBody(s, u) } };
}

/** The project as GET projects/:id/ returns it. */
export function projectBody(s: AapState): Obj {
  const p = s.p;
  const base = `${p}projects/${PROJECT_ID}/`;
  const pr = s.project;
  const rel = (k: string) => `${base}${k}/`;
  const failed = isFailed(pr.status);
  return {
    id: PROJECT_ID, type: "project", url: base,
    related: {
      named_url: `${p}projects/HomeLab Ops++${ORG.name}/`, created_by: `${p}users/1/`, modified_by: `${p}users/1/`,
      last_job: `${p}project_updates/${pr.lastUpdate}/`, teams: rel("teams"), playbooks: rel("playbooks"), inventory_files: rel("inventories"),
      update: rel("update"), project_updates: rel("project_updates"), scm_inventory_sources: rel("scm_inventory_sources"),
      schedules: rel("schedules"), activity_stream: rel("activity_stream"),
      notification_templates_started: rel("notification_templates_started"), notification_templates_success: rel("notification_templates_success"),
      notification_templates_error: rel("notification_templates_error"), access_list: rel("access_list"), object_roles: rel("object_roles"),
      copy: rel("copy"), organization: `${p}organizations/${ORG.id}/`, last_update: `${p}project_updates/${pr.lastUpdate}/`,
    },
    summary_fields: {
      organization: ORG, execution_environment: EE,
      last_job: { id: pr.lastUpdate, name: "HomeLab Ops", description: "", finished: iso(pr.lastUpdated), status: pr.status, failed },
      last_update: { id: pr.lastUpdate, name: "HomeLab Ops", description: "", status: pr.status, failed },
      created_by: USER, modified_by: USER,
      object_roles: {
        admin_role: { description: "Can manage all aspects of the project", name: "Admin", id: 20 },
        use_role: { description: "Can use the project in a job template", name: "Use", id: 21 },
        update_role: { description: "May update the project", name: "Update", id: 22 },
        read_role: { description: "May view settings for the project", name: "Read", id: 23 },
      },
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
    },
    created: iso(SEEDED), modified: iso(SEEDED), name: "HomeLab Ops", description: "Playbooks and roles of the homelab",
    local_path: "_6__homelab_ops", scm_type: "git", scm_url: "https://git.lab.home.arpa/homelab/homelab-ops.git", scm_branch: "main",
    scm_refspec: "", scm_clean: false, scm_delete_on_update: false, scm_track_submodules: false, credential: null, timeout: 0,
    scm_revision: pr.revision, last_job_run: iso(pr.lastUpdated), last_job_failed: failed, next_job_run: null, status: pr.status,
    organization: ORG.id, scm_update_on_launch: false, scm_update_cache_timeout: 0, allow_override: false, custom_virtualenv: null,
    default_environment: null, signature_validation_credential: null, last_update_failed: failed, last_updated: iso(pr.lastUpdated),
    execution_environment: EE.id,
  };
}

/** The Nautobot inventory source as GET inventory_sources/:id/ returns it. */
export function sourceBody(st: AapState): Obj {
  const p = st.p;
  const base = `${p}inventory_sources/${INV_SOURCE_ID}/`;
  const s = st.source;
  const rel = (k: string) => `${base}${k}/`;
  const failed = isFailed(s.status);
  return {
    id: INV_SOURCE_ID, type: "inventory_source", url: base,
    related: {
      named_url: `${p}inventory_sources/Nautobot++${INVENTORY.name}++${ORG.name}/`, created_by: `${p}users/1/`, modified_by: `${p}users/1/`,
      update: rel("update"), inventory_updates: rel("inventory_updates"), schedules: rel("schedules"), activity_stream: rel("activity_stream"),
      hosts: rel("hosts"), groups: rel("groups"), notification_templates_started: rel("notification_templates_started"),
      notification_templates_success: rel("notification_templates_success"), notification_templates_error: rel("notification_templates_error"),
      inventory: `${p}inventories/${INVENTORY.id}/`, source_project: `${p}projects/${PROJECT_ID}/`, credentials: rel("credentials"),
      last_job: `${p}inventory_updates/${s.lastUpdate}/`, last_update: `${p}inventory_updates/${s.lastUpdate}/`,
    },
    summary_fields: {
      organization: ORG, inventory: inventorySummary(), execution_environment: EE,
      source_project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: st.project.status, scm_type: "git" },
      last_job: { id: s.lastUpdate, name: `${INVENTORY.name} - Nautobot`, description: "", finished: iso(s.lastUpdated), status: s.status, failed },
      last_update: { id: s.lastUpdate, name: `${INVENTORY.name} - Nautobot`, description: "", status: s.status, failed },
      created_by: USER, modified_by: USER,
      user_capabilities: { edit: true, delete: true, start: true, schedule: true },
      credentials: [],
    },
    created: iso(SEEDED), modified: iso(SEEDED), name: "Nautobot", description: "Dynamic inventory from Nautobot (networktocode.nautobot)",
    source: "scm", source_path: "inventory/nautobot.yml", source_script: null, source_vars: "", scm_branch: "", credential: null,
    enabled_var: "", enabled_value: "", host_filter: "", overwrite: true, overwrite_vars: true, custom_virtualenv: null, timeout: 0,
    verbosity: 1, limit: "", last_job_run: iso(s.lastUpdated), last_job_failed: failed, next_job_run: null, status: s.status,
    execution_environment: null, inventory: INVENTORY.id, update_on_launch: false, update_cache_timeout: 0, source_project: PROJECT_ID,
    last_update_failed: failed, last_updated: iso(s.lastUpdated),
  };
}

/** A project or inventory update as GET project_updates/:id/ (inventory_updates/:id/) returns it. */
export function updateBody(s: AapState, u: UpdateRec): Obj {
  const p = s.p;
  const isProject = u.kind === "project_update";
  const base = `${p}${isProject ? "project_updates" : "inventory_updates"}/${u.id}/`;
  const name = isProject ? "HomeLab Ops" : `${INVENTORY.name} - Nautobot`;
  const end = u.finished ?? new Date();
  return {
    id: u.id, type: u.kind, url: base,
    related: {
      created_by: `${p}users/1/`, unified_job_template: isProject ? `${p}projects/${PROJECT_ID}/` : `${p}inventory_sources/${INV_SOURCE_ID}/`,
      stdout: `${base}stdout/`, events: `${base}events/`, notifications: `${base}notifications/`, cancel: `${base}cancel/`,
      ...(isProject ? { project: `${p}projects/${PROJECT_ID}/`, scm_inventory_updates: `${base}scm_inventory_updates/` }
        : { inventory: `${p}inventories/${INVENTORY.id}/`, inventory_source: `${p}inventory_sources/${INV_SOURCE_ID}/` }),
    },
    summary_fields: {
      organization: ORG, execution_environment: EE, created_by: USER, user_capabilities: { delete: !ACTIVE.includes(u.status), start: true },
      unified_job_template: { id: isProject ? PROJECT_ID : INV_SOURCE_ID, name, description: "", unified_job_type: u.kind },
    },
    created: iso(u.created), modified: iso(u.finished ?? u.started ?? u.created), name, description: "", launch_type: "manual",
    status: u.status, failed: isFailed(u.status), started: u.started ? iso(u.started) : null, finished: u.finished ? iso(u.finished) : null,
    canceled_on: null, elapsed: u.started ? round3((end.getTime() - u.started.getTime()) / 1000) : 0, job_args: "", job_cwd: "", job_env: {},
    job_explanation: "", execution_node: "aap01", result_traceback: "", event_processing_finished: u.eventsFinished,
    launched_by: { id: USER.id, name: USER.username, type: "user", url: `${p}users/1/` }, work_unit_id: null,
    ...(isProject
      ? { local_path: "_6__homelab_ops", scm_type: "git", scm_url: "https://git.lab.home.arpa/homelab/homelab-ops.git", scm_branch: "main",
          scm_refspec: "", scm_clean: false, scm_track_submodules: false, scm_delete_on_update: false, credential: null, timeout: 0,
          scm_revision: u.status === "successful" ? u.revision : "", project: PROJECT_ID, job_type: "check", job_tags: "update_git,install_roles,install_collections",
          host_status_counts: {}, playbook_counts: { play_count: 0, task_count: 0 } }
      : { source: "scm", source_path: "inventory/nautobot.yml", source_vars: "", scm_branch: "", credential: null, enabled_var: "",
          enabled_value: "", host_filter: "", overwrite: true, overwrite_vars: true, custom_virtualenv: null, timeout: 0, verbosity: 1, limit: "",
          inventory: INVENTORY.id, inventory_source: INV_SOURCE_ID, license_error: false, org_host_limit_error: false,
          source_project_update: s.project.lastUpdate, instance_group: 1, scm_revision: u.revision }),
    execution_environment: EE.id,
  };
}
