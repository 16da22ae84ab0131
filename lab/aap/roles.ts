import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { AapState } from "./state.ts";
import type { Obj } from "./records.ts";
import { page } from "./list.ts";
import { objectBody, recOf } from "./objects.ts";

/** Object roles (RBAC): each object's roles with their ids, and `roles/:id/users/` to grant and revoke them. */

const ROLES: Record<string, [string, string][]> = {
  job_templates: [["admin", "Can manage all aspects of the job template"], ["execute", "May run the job template"], ["read", "May view settings for the job template"]],
  projects: [["admin", "Can manage all aspects of the project"], ["use", "Can use the project in a job template"], ["update", "May update the project"], ["read", "May view settings for the project"]],
  inventories: [["admin", "Can manage all aspects of the inventory"], ["update", "May update the inventory"], ["adhoc", "May run ad hoc commands on the inventory"], ["use", "Can use the inventory in a job template"], ["read", "May view settings for the inventory"]],
};
const ENDPOINTS = Object.keys(ROLES);

/** A role's id: one number per (object type, object, role), stable for the object's life. */
function roleId(endpoint: string, id: number, index: number): number {
  return 1000 + (ENDPOINTS.indexOf(endpoint) * 100_000) + id * 10 + index;
}

function roleOf(id: number): { endpoint: string; obj: number; name: string; description: string } | undefined {
  const n = id - 1000;
  const endpoint = ENDPOINTS[Math.floor(n / 100_000)];
  if (!endpoint || n < 0) return undefined;
  const role = ROLES[endpoint]![n % 10];
  const obj = Math.floor((n % 100_000) / 10);
  return role ? { endpoint, obj, name: role[0], description: role[1] } : undefined;
}

/** summary_fields.object_roles of an object. */
export function objectRoles(endpoint: string, id: number): Obj {
  return Object.fromEntries((ROLES[endpoint] ?? []).map(([name, description], i) => [`${name}_role`, { description, name: name[0]!.toUpperCase() + name.slice(1), id: roleId(endpoint, id, i) }]));
}

export function registerRoleRoutes(s: AapState): void {
  const notFound: FakeResponse = { status: 404, body: { detail: "Not found." } };
  const existing = (id: string | undefined) => {
    const r = roleOf(Number(id));
    return r && recOf(s, r.endpoint, r.obj) ? r : undefined;
  };
  s.http.route("GET", `${s.p}roles/:id/users/`, (req, a) => {
    if (!existing(a.id)) return notFound;
    const users = (s.roleUsers.get(Number(a.id)) ?? []).map((u) => recOf(s, "users", u)).filter((u) => u !== undefined);
    return page(req, users.map((u) => objectBody(s, "users", u)));
  });
  s.http.route("POST", `${s.p}roles/:id/users/`, (req: FakeRequest, a) => {
    if (!existing(a.id)) return notFound;
    const b = (req.body ?? {}) as Obj;
    const user = Number(b.id);
    if (!recOf(s, "users", user)) return { status: 400, body: { msg: `User ${String(b.id)} does not exist.` } };
    const list = s.roleUsers.get(Number(a.id)) ?? [];
    s.roleUsers.set(Number(a.id), b.disassociate ? list.filter((x) => x !== user) : [...new Set([...list, user])]);
    return { status: 204 };
  });
}
