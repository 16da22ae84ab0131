import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { AapState } from "./state.ts";
import type { Obj, Rec, SyncRec, Tpl } from "./records.ts";
import { page } from "./list.ts";
import { objectBody, recOf, recsOf } from "./objects.ts";
import { projectBody, sourceBody } from "./syncs.ts";
import { tplBody } from "./template-serializers.ts";
import { projectPlaybooks } from "./template-writes.ts";
import { createObject, deleteObject, patchObject } from "./writes.ts";
import { registerRoleRoutes } from "./roles.ts";

/** List, detail, create, update, delete and association routes of every controller object type. */

const WRITABLE = ["users", "organizations", "credential_types", "credentials", "inventories", "notification_templates", "projects", "inventory_sources", "job_templates"];
const READ_ONLY = ["execution_environments", "instance_groups", "labels"];
/** Sub-endpoints that (dis)associate other objects with a POST of `{id}` / `{id, disassociate: true}`. */
const ASSOCIATIONS: Record<string, Record<string, string>> = {
  job_templates: { credentials: "credentials", labels: "labels", instance_groups: "instance_groups", ...notify() },
  projects: notify(),
  inventory_sources: { credentials: "credentials", ...notify() },
  organizations: { instance_groups: "instance_groups", galaxy_credentials: "credentials", ...notify(), notification_templates_approvals: "notification_templates" },
  inventories: { instance_groups: "instance_groups", labels: "labels" },
};

function notify(): Record<string, string> {
  return { notification_templates_started: "notification_templates", notification_templates_success: "notification_templates", notification_templates_error: "notification_templates" };
}

/** The detail serializer of any object. */
export function bodyOf(s: AapState, endpoint: string, rec: Rec): Obj {
  if (endpoint === "projects") return projectBody(s, rec as SyncRec);
  if (endpoint === "inventory_sources") return sourceBody(s, rec as SyncRec);
  if (endpoint === "job_templates") return tplBody(s, rec as Tpl);
  return objectBody(s, endpoint, rec);
}

const notFound: FakeResponse = { status: 404, body: { detail: "Not found." } };

export function registerObjectRoutes(s: AapState): void {
  const h = s.http;
  const p = s.p;
  for (const ep of [...WRITABLE, ...READ_ONLY]) {
    const body = (r: Rec) => bodyOf(s, ep, r);
    h.route("GET", `${p}${ep}/`, (req) => page(req, recsOf(s, ep).map(body)));
    h.route("GET", `${p}${ep}/:id/`, (_r, a) => {
      const r = recOf(s, ep, a.id);
      return r ? { status: 200, body: body(r) } : notFound;
    });
    if (READ_ONLY.includes(ep)) continue;
    h.route("POST", `${p}${ep}/`, (req) => createObject(s, ep, req, body));
    for (const method of ["PATCH", "PUT"]) {
      h.route(method, `${p}${ep}/:id/`, (req, a) => {
        const r = recOf(s, ep, a.id);
        return r ? patchObject(s, ep, r, req, body) : notFound;
      });
    }
    h.route("DELETE", `${p}${ep}/:id/`, (_r, a) => {
      const r = recOf(s, ep, a.id);
      return r ? deleteObject(s, ep, r) : notFound;
    });
  }
  for (const [ep, subs] of Object.entries(ASSOCIATIONS)) {
    for (const [sub, target] of Object.entries(subs)) {
      h.route("GET", `${p}${ep}/:id/${sub}/`, (req, a) => {
        const r = recOf(s, ep, a.id);
        if (!r) return notFound;
        return page(req, (r.links[sub] ?? []).map((id) => recOf(s, target, id)).filter((x): x is Rec => !!x).map((x) => bodyOf(s, target, x)));
      });
      h.route("POST", `${p}${ep}/:id/${sub}/`, (req, a) => {
        const r = recOf(s, ep, a.id);
        return r ? associate(s, r, sub, target, req) : notFound;
      });
    }
  }
  registerRoleRoutes(s);
  h.route("GET", `${p}projects/:id/playbooks/`, (_r, a) => (recOf(s, "projects", a.id) ? { status: 200, body: projectPlaybooks() } : notFound));
}

/** POST {id} associates, {id, disassociate: true} removes; 204 either way (SubListCreateAttachDetachAPIView). */
function associate(s: AapState, owner: Rec, sub: string, target: string, req: FakeRequest): FakeResponse {
  const b = (req.body ?? {}) as Obj;
  const id = Number(b.id);
  if (!Number.isInteger(id)) return { status: 400, body: { msg: "\"id\" field must be an integer." } };
  const other = recOf(s, target, id);
  if (!other) return notFound;
  const list = (owner.links[sub] ??= []);
  if (b.disassociate) {
    owner.links[sub] = list.filter((x) => x !== id);
    return { status: 204 };
  }
  if (list.includes(id)) return { status: 204 };
  if (target === "credentials" && sub === "credentials") {
    // A job template takes one credential of each type (vault credentials aside, told apart by vault_id).
    const type = other.fields.credential_type;
    const clash = list.map((x) => recOf(s, "credentials", x)).find((c) => c?.fields.credential_type === type);
    if (clash) return { status: 400, body: { error: `Cannot assign multiple ${String(recOf(s, "credential_types", type)?.fields.name)} credentials.` } };
  }
  list.push(id);
  return { status: 204 };
}
