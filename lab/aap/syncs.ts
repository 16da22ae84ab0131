import type { FakeResponse } from "../fake-http.ts";
import { ACTIVE, USER, type Obj, type SyncRec, type UpdateRec } from "./records.ts";
import { later, type AapState } from "./state.ts";
import { fkLinks, fkSummary, nameOf, recOf } from "./objects.ts";
import { iso, isFailed, randomHex, round3 } from "./format.ts";
import { objectRoles } from "./roles.ts";

const EE_ID = 1;

/** POST projects/:id/update/ or inventory_sources/:id/update/: a timed sync; an inventory update rereads the source. */
export function startUpdate(s: AapState, kind: UpdateRec["kind"], ownerId: number): FakeResponse {
  const owner = recOf(s, kind === "project_update" ? "projects" : "inventory_sources", ownerId) as SyncRec;
  const project = kind === "project_update" ? owner : (recOf(s, "projects", owner.fields.source_project) as SyncRec | undefined);
  const u: UpdateRec = { id: s.nextId++, kind, owner: ownerId, status: "pending", created: new Date(), eventsFinished: false, revision: project?.revision ?? "" };
  s.updates.set(u.id, u);
  owner.lastUpdate = u.id;
  const set = (st: string) => {
    u.status = st;
    owner.status = st;
  };
  set("pending");
  later(s, s.pendingMs, () => {
    set("waiting");
    later(s, s.stepMs, () => {
      u.started = new Date();
      set("running");
      later(s, 2 * s.stepMs, () => {
        if (kind === "project_update") owner.revision = randomHex(40);
        else if (s.inventorySource) s.inventory = [...new Set(s.inventorySource())].sort();
        u.revision = project?.revision ?? "";
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

/** Related links, summary_fields and status fields every unified job template carries about its last update. */
function ujtCommon(s: AapState, r: SyncRec, kind: "project_updates" | "inventory_updates", fks: Record<string, string>, subs: string[]) {
  const base = `${s.p}${kind === "project_updates" ? "projects" : "inventory_sources"}/${r.id}/`;
  const failed = isFailed(r.status);
  const last = r.lastUpdate === null ? undefined : s.updates.get(r.lastUpdate);
  const current = last && ACTIVE.includes(last.status) ? last : undefined;
  const { related, summary } = fkLinks(s, r, fks);
  const lastSummary = last ? { id: last.id, name: r.fields.name, description: "", finished: last.finished ? iso(last.finished) : null, status: last.status, failed: isFailed(last.status) } : undefined;
  return {
    base,
    related: {
      created_by: `${s.p}users/1/`, modified_by: `${s.p}users/1/`, ...Object.fromEntries(subs.map((k) => [k, `${base}${k}/`])), ...related,
      ...(last ? { last_job: `${s.p}${kind}/${last.id}/`, last_update: `${s.p}${kind}/${last.id}/` } : {}),
      ...(current ? { current_job: `${s.p}${kind}/${current.id}/`, current_update: `${s.p}${kind}/${current.id}/` } : {}),
    },
    summary: {
      ...summary, ...(lastSummary ? { last_job: lastSummary, last_update: lastSummary } : {}),
      ...(current ? { current_job: { id: current.id, name: r.fields.name, description: "", status: current.status, failed: false }, current_update: { id: current.id, name: r.fields.name, description: "", status: current.status, failed: false } } : {}),
      created_by: USER, modified_by: USER,
    },
    status: { last_job_run: r.lastUpdated ? iso(r.lastUpdated) : null, last_job_failed: failed, next_job_run: null, status: r.status, last_update_failed: failed, last_updated: r.lastUpdated ? iso(r.lastUpdated) : null },
  };
}

/** A project as GET projects/:id/ returns it. */
export function projectBody(s: AapState, pr: SyncRec): Obj {
  const c = ujtCommon(s, pr, "project_updates", { organization: "organizations", credential: "credentials", default_environment: "execution_environments", signature_validation_credential: "credentials" },
    ["teams", "playbooks", "inventory_files", "update", "project_updates", "scm_inventory_sources", "schedules", "activity_stream", "notification_templates_started", "notification_templates_success", "notification_templates_error", "access_list", "object_roles", "copy"]);
  const org = nameOf(s, "organizations", pr.fields.organization);
  return {
    id: pr.id, type: "project", url: c.base,
    related: { named_url: `${s.p}projects/${String(pr.fields.name)}++${org ?? ""}/`, ...c.related, inventory_files: `${c.base}inventories/` },
    summary_fields: {
      ...c.summary, execution_environment: fkSummary(s, "execution_environments", EE_ID),
      object_roles: objectRoles("projects", pr.id),
      user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
    },
    created: iso(pr.created), modified: iso(pr.modified), ...pr.fields, scm_revision: pr.revision, ...c.status, custom_virtualenv: null, execution_environment: EE_ID,
  };
}

/** An inventory source as GET inventory_sources/:id/ returns it. */
export function sourceBody(s: AapState, src: SyncRec): Obj {
  const c = ujtCommon(s, src, "inventory_updates", { inventory: "inventories", source_project: "projects", credential: "credentials", execution_environment: "execution_environments" },
    ["update", "inventory_updates", "schedules", "activity_stream", "hosts", "groups", "notification_templates_started", "notification_templates_success", "notification_templates_error", "credentials"]);
  const inv = recOf(s, "inventories", src.fields.inventory);
  const orgId = inv?.fields.organization;
  const { credential: _c, ...summary } = c.summary as Obj;
  return {
    id: src.id, type: "inventory_source", url: c.base,
    related: { named_url: `${s.p}inventory_sources/${String(src.fields.name)}++${String(inv?.fields.name ?? "")}++${nameOf(s, "organizations", orgId) ?? ""}/`, ...c.related },
    summary_fields: {
      organization: fkSummary(s, "organizations", orgId), ...summary, execution_environment: fkSummary(s, "execution_environments", EE_ID),
      user_capabilities: { edit: true, delete: true, start: true, schedule: true },
      credentials: src.fields.credential ? [fkSummary(s, "credentials", src.fields.credential)] : [],
    },
    created: iso(src.created), modified: iso(src.modified), ...src.fields, source_script: null, custom_virtualenv: null, ...c.status,
  };
}

/** A project or inventory update as GET project_updates/:id/ (inventory_updates/:id/) returns it. */
export function updateBody(s: AapState, u: UpdateRec): Obj {
  const p = s.p;
  const isProject = u.kind === "project_update";
  const owner = recOf(s, isProject ? "projects" : "inventory_sources", u.owner) as SyncRec | undefined;
  const f = owner?.fields ?? {};
  const invId = isProject ? undefined : f.inventory;
  const orgId = isProject ? f.organization : recOf(s, "inventories", invId)?.fields.organization;
  const base = `${p}${isProject ? "project_updates" : "inventory_updates"}/${u.id}/`;
  const name = isProject ? String(f.name) : `${nameOf(s, "inventories", invId) ?? ""} - ${String(f.name)}`;
  const end = u.finished ?? new Date();
  const ownerUrl = `${p}${isProject ? "projects" : "inventory_sources"}/${u.owner}/`;
  return {
    id: u.id, type: u.kind, url: base,
    related: {
      created_by: `${p}users/1/`, unified_job_template: ownerUrl, stdout: `${base}stdout/`, events: `${base}events/`, notifications: `${base}notifications/`, cancel: `${base}cancel/`,
      ...(isProject ? { project: ownerUrl, scm_inventory_updates: `${base}scm_inventory_updates/` } : { inventory: `${p}inventories/${String(invId)}/`, inventory_source: ownerUrl }),
    },
    summary_fields: {
      organization: fkSummary(s, "organizations", orgId), execution_environment: fkSummary(s, "execution_environments", EE_ID), created_by: USER,
      user_capabilities: { delete: !ACTIVE.includes(u.status), start: true },
      unified_job_template: { id: u.owner, name: f.name, description: f.description ?? "", unified_job_type: u.kind },
    },
    created: iso(u.created), modified: iso(u.finished ?? u.started ?? u.created), name, description: "", launch_type: "manual",
    status: u.status, failed: isFailed(u.status), started: u.started ? iso(u.started) : null, finished: u.finished ? iso(u.finished) : null,
    canceled_on: null, elapsed: u.started ? round3((end.getTime() - u.started.getTime()) / 1000) : 0, job_args: "", job_cwd: "", job_env: {},
    job_explanation: "", execution_node: "aap01", result_traceback: "", event_processing_finished: u.eventsFinished,
    launched_by: { id: USER.id, name: USER.username, type: "user", url: `${p}users/1/` }, work_unit_id: null,
    ...(isProject
      ? { local_path: f.local_path, scm_type: f.scm_type, scm_url: f.scm_url, scm_branch: f.scm_branch, scm_refspec: f.scm_refspec, scm_clean: f.scm_clean,
          scm_track_submodules: f.scm_track_submodules, scm_delete_on_update: f.scm_delete_on_update, credential: f.credential, timeout: f.timeout,
          scm_revision: u.status === "successful" ? u.revision : "", project: u.owner, job_type: "check", job_tags: "update_git,install_roles,install_collections",
          host_status_counts: {}, playbook_counts: { play_count: 0, task_count: 0 } }
      : { source: f.source, source_path: f.source_path, source_vars: f.source_vars, scm_branch: f.scm_branch, credential: f.credential, enabled_var: f.enabled_var,
          enabled_value: f.enabled_value, host_filter: f.host_filter, overwrite: f.overwrite, overwrite_vars: f.overwrite_vars, custom_virtualenv: null, timeout: f.timeout,
          verbosity: f.verbosity, limit: f.limit, inventory: invId, inventory_source: u.owner, license_error: false, org_host_limit_error: false,
          source_project_update: (recOf(s, "projects", f.source_project) as SyncRec | undefined)?.lastUpdate ?? null, instance_group: 1, scm_revision: u.revision }),
    execution_environment: EE_ID,
  };
}
