import { randomUUID } from "node:crypto";
import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import { addRec, COLLECTIONS, findRec, isDict, JOURNAL_KINDS, Link, linkId, NOTES, nowIso, pyRepr, recsOfType, type Rec } from "./model.ts";
import type { NautobotState } from "./state.ts";
import { recJson } from "./serializers.ts";
import { originOf } from "./routes.ts";

/** PATCH extras/config-contexts/:id/: data, weight, description, is_active, name. */
export function patchContext(st: NautobotState, req: FakeRequest, id: string): FakeResponse {
  const rec = st.recs.get(id);
  if (!rec || rec.type !== "extras.configcontext") return { status: 404, body: { detail: "Not found." } };
  const body = isDict(req.body) ? req.body : {};
  const errors: Record<string, string[]> = {};
  if ("data" in body && !isDict(body.data)) errors.data = ["JSON data must be in object form"];
  if ("weight" in body && !(Number.isInteger(body.weight) && Number(body.weight) >= 0)) errors.weight = ["A valid integer is required."];
  if ("name" in body && (typeof body.name !== "string" || body.name === "")) errors.name = ["This field may not be blank."];
  if (Object.keys(errors).length) return { status: 400, body: errors };
  for (const key of ["data", "weight", "description", "is_active", "name"]) {
    if (key in body) rec.fields[key] = structuredClone(body[key]);
  }
  rec.display = String(rec.fields.name);
  rec.fields.last_updated = nowIso();
  return { status: 200, body: recJson(st, rec, 0, originOf(req)) };
}

/** POST extras/journal-entries/ on a device or VM (201 with Location). */
export function postJournal(st: NautobotState, req: FakeRequest): FakeResponse {
  const b = isDict(req.body) ? req.body : {};
  const errors: Record<string, string[]> = {};
  const type = b.assigned_object_type;
  const kind = b.kind ?? "info";
  if (type === undefined) errors.assigned_object_type = ["This field is required."];
  else if (typeof type !== "string" || !COLLECTIONS[type]) errors.assigned_object_type = [`Invalid content type: ${String(type)}`];
  if (b.assigned_object_id === undefined) errors.assigned_object_id = ["This field is required."];
  if (typeof b.comments !== "string" || b.comments.trim() === "") errors.comments = ["This field is required."];
  if (typeof kind !== "string" || !JOURNAL_KINDS[kind]) errors.kind = [`"${String(kind)}" is not a valid choice.`];
  const target = st.recs.get(String(b.assigned_object_id));
  if (!errors.assigned_object_type && !errors.assigned_object_id && target?.type !== type) {
    errors.assigned_object_id = [`No ${String(type)} found with id ${String(b.assigned_object_id)}.`];
  }
  if (Object.keys(errors).length || !target) return { status: 400, body: errors };
  const created = nowIso();
  const k = kind as string;
  const rec = addRec(st, "extras.journalentry", created, `${created.slice(0, 19).replace("T", " ")} - ${k}`, {
    assigned_object_type: type, assigned_object_id: target.id, assigned_object: new Link(target.id),
    created, created_by: new Link(st.user.id), kind: { value: k, label: JOURNAL_KINDS[k]! },
    comments: b.comments, last_updated: created, notes_url: NOTES, custom_fields: {}, tags: [],
  }, randomUUID());
  const body = recJson(st, rec, 0, originOf(req));
  return { status: 201, body, headers: { Location: String(body.url) } };
}

/** POST virtualization/virtual-machines/ with pk or attribute-dict references (201 with Location). */
export function postVm(st: NautobotState, req: FakeRequest): FakeResponse {
  const b = isDict(req.body) ? req.body : {};
  const errors: Record<string, string[]> = {};
  const related = (field: string, type: string, required: boolean): Rec | undefined => {
    const v = b[field];
    if (v === undefined || v === null) {
      if (required) errors[field] = ["This field is required."];
      return undefined;
    }
    const rec = isDict(v) ? findRec(st, type, String(v.name)) : st.recs.get(String(v));
    if (rec?.type === type) return rec;
    errors[field] = isDict(v)
      ? [`Related object not found using the provided attributes: ${pyRepr(v)}`]
      : [`Invalid pk "${String(v)}" - object does not exist.`];
    return undefined;
  };
  if (typeof b.name !== "string" || b.name.trim() === "") errors.name = ["This field is required."];
  else if (b.name.length > 64) errors.name = ["Ensure this field has no more than 64 characters."];
  const cluster = related("cluster", "virtualization.cluster", true);
  const status = related("status", "extras.status", true);
  const role = related("role", "extras.role", false);
  const platform = related("platform", "dcim.platform", false);
  for (const f of ["vcpus", "memory", "disk"]) {
    if (b[f] !== undefined && b[f] !== null && !(Number.isInteger(b[f]) && Number(b[f]) >= 0)) errors[f] = ["A valid integer is required."];
  }
  if (!errors.name && cluster && recsOfType(st, "virtualization.virtualmachine").some((v) => v.fields.name === b.name && linkId(v.fields.cluster) === cluster.id)) {
    errors.name = ["A virtual machine with this name already exists in the assigned cluster."];
  }
  if (Object.keys(errors).length || !cluster || !status) return { status: 400, body: errors };
  const now = nowIso();
  const name = String(b.name);
  const rec = addRec(st, "virtualization.virtualmachine", name, name, {
    cluster: new Link(cluster.id), name, vcpus: b.vcpus ?? null, memory: b.memory ?? null, disk: b.disk ?? null,
    status: new Link(status.id), role: role ? new Link(role.id) : null, platform: platform ? new Link(platform.id) : null,
    tenant: null, primary_ip4: null, primary_ip6: null, comments: typeof b.comments === "string" ? b.comments : "",
    software_version: null, local_config_context_schema: null, local_config_context_data: null,
    local_config_context_data_owner_content_type: null, local_config_context_data_owner_object_id: null,
    created: now, last_updated: now, notes_url: NOTES, custom_fields: {}, tags: [],
  }, randomUUID());
  const body = recJson(st, rec, 0, originOf(req));
  return { status: 201, body, headers: { Location: String(body.url) } };
}

const SERVICE_PROTOCOLS: Record<string, string> = { tcp: "TCP", udp: "UDP", sctp: "SCTP" };

/**
 * ipam.Service's serializer and model rules (Nautobot 2.4): name (≤ 100), protocol (a choice), ports (a
 * non-empty list of integers 1-65535), exactly one of device and virtual_machine, and the name unique per
 * parent (`unique_together` (name, device) and (name, virtual_machine)). Returns the field errors, or none.
 */
function serviceErrors(st: NautobotState, f: Record<string, unknown>, self?: string): Record<string, string[]> {
  const errors: Record<string, string[]> = {};
  if (typeof f.name !== "string" || f.name.trim() === "") errors.name = ["This field is required."];
  else if (f.name.length > 100) errors.name = ["Ensure this field has no more than 100 characters."];
  if (f.protocol === undefined || f.protocol === null) errors.protocol = ["This field is required."];
  else if (typeof f.protocol !== "string" || !SERVICE_PROTOCOLS[f.protocol]) errors.protocol = [`"${String(f.protocol)}" is not a valid choice.`];
  if (!Array.isArray(f.ports) || f.ports.length === 0) errors.ports = ["This field is required."];
  else {
    const bad = f.ports.find((p) => !Number.isInteger(p));
    if (bad !== undefined) errors.ports = ["A valid integer is required."];
    else if (f.ports.some((p) => Number(p) < 1)) errors.ports = ["Ensure this value is greater than or equal to 1."];
    else if (f.ports.some((p) => Number(p) > 65535)) errors.ports = ["Ensure this value is less than or equal to 65535."];
  }
  for (const [field, type] of [["device", "dcim.device"], ["virtual_machine", "virtualization.virtualmachine"]] as const) {
    const v = f[field];
    if (v === undefined || v === null || v instanceof Link) continue;
    const rec = st.recs.get(String(v));
    if (rec?.type !== type) errors[field] = [`Invalid pk "${String(v)}" - object does not exist.`];
  }
  if (Object.keys(errors).length) return errors;
  const device = f.device instanceof Link ? f.device.id : f.device ?? null;
  const vm = f.virtual_machine instanceof Link ? f.virtual_machine.id : f.virtual_machine ?? null;
  if (device && vm) return { __all__: ["A service cannot be associated with both a device and a virtual machine."] };
  if (!device && !vm) return { __all__: ["A service must be associated with either a device or a virtual machine."] };
  const clash = recsOfType(st, "ipam.service").some((r) => r.id !== self && r.fields.name === f.name
    && (device ? linkId(r.fields.device) === device : linkId(r.fields.virtual_machine) === vm));
  if (clash) return { non_field_errors: [`The fields name, ${device ? "device" : "virtual_machine"} must make a unique set.`] };
  return {};
}

const asLink = (v: unknown) => (v === undefined || v === null ? null : v instanceof Link ? v : new Link(String(v)));

/** POST ipam/services/ (201 with Location). */
export function postService(st: NautobotState, req: FakeRequest): FakeResponse {
  const b = isDict(req.body) ? req.body : {};
  const errors = serviceErrors(st, b);
  if (Object.keys(errors).length) return { status: 400, body: errors };
  const now = nowIso();
  const protocol = String(b.protocol);
  const ports = (b.ports as number[]).map(Number);
  const rec = addRec(st, "ipam.service", `${now}:${String(b.name)}`, `${String(b.name)} (${protocol.toUpperCase()}/${ports.join(", ")})`, {
    device: asLink(b.device), virtual_machine: asLink(b.virtual_machine), name: b.name,
    protocol: { value: protocol, label: SERVICE_PROTOCOLS[protocol]! }, ports, description: typeof b.description === "string" ? b.description : "", ip_addresses: [],
    created: now, last_updated: now, notes_url: NOTES, custom_fields: {}, tags: [],
  }, randomUUID());
  const body = recJson(st, rec, 0, originOf(req));
  return { status: 201, body, headers: { Location: String(body.url) } };
}

/** PATCH ipam/services/:id/: the merged record must pass the same rules. */
export function patchService(st: NautobotState, req: FakeRequest, id: string): FakeResponse {
  const rec = st.recs.get(id);
  if (!rec || rec.type !== "ipam.service") return { status: 404, body: { detail: "Not found." } };
  const b = isDict(req.body) ? req.body : {};
  const current = { ...rec.fields, protocol: (rec.fields.protocol as { value: string }).value };
  const merged: Record<string, unknown> = { ...current };
  for (const k of ["name", "protocol", "ports", "description", "device", "virtual_machine"]) if (k in b) merged[k] = b[k];
  const errors = serviceErrors(st, merged, id);
  if (Object.keys(errors).length) return { status: 400, body: errors };
  const protocol = String(merged.protocol);
  const ports = (merged.ports as number[]).map(Number);
  Object.assign(rec.fields, {
    name: merged.name, protocol: { value: protocol, label: SERVICE_PROTOCOLS[protocol]! }, ports,
    description: merged.description, device: asLink(merged.device), virtual_machine: asLink(merged.virtual_machine), last_updated: nowIso(),
  });
  rec.display = `${String(merged.name)} (${protocol.toUpperCase()}/${ports.join(", ")})`;
  return { status: 200, body: recJson(st, rec, 0, originOf(req)) };
}

/** DELETE ipam/services/:id/ (204, no body). */
export function deleteService(st: NautobotState, id: string): FakeResponse {
  const rec = st.recs.get(id);
  if (!rec || rec.type !== "ipam.service") return { status: 404, body: { detail: "Not found." } };
  st.recs.delete(id);
  return { status: 204 };
}
