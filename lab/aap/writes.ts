import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { AapState } from "./state.ts";
import type { Obj, Rec, SyncRec, Tpl } from "./records.ts";
import { defaults, ENCRYPTED, validateFields } from "./fields.ts";
import { nameOf, nextObjectId, putRec, recOf, recsOf } from "./objects.ts";
import { syncTpl, templateRules } from "./template-writes.ts";
import { startUpdate } from "./syncs.ts";

/** POST, PATCH and DELETE of controller objects, with the serializers' validation and uniqueness rules. */

const LABEL: Record<string, string> = {
  users: "A user", organizations: "Organization", credential_types: "Credential type", credentials: "Credential", inventories: "Inventory",
  notification_templates: "Notification template", projects: "Project", inventory_sources: "Inventory source", job_templates: "Job template",
};
/** unique_together of each model, in the model's order (the message names them so). */
const UNIQUE: Record<string, string[]> = {
  users: ["username"], organizations: ["name"], credential_types: ["name", "kind"], credentials: ["organization", "name", "credential_type"],
  inventories: ["name", "organization"], notification_templates: ["organization", "name"], projects: ["name", "organization"],
  inventory_sources: ["name", "inventory"], job_templates: ["name", "organization"],
};
const WEBHOOK_DEFAULTS = { username: "", password: "", http_method: "POST", disable_ssl_verification: false };
const REQUIRED_CONFIG: Record<string, string[]> = { webhook: ["url", "headers"], slack: ["channels", "token"], email: ["host", "port", "sender", "recipients"] };
const SCM_FIELDS = ["scm_type", "scm_url", "scm_branch", "scm_refspec"];

const parseError: FakeResponse = { status: 400, body: { detail: "JSON parse error - Expecting value: line 1 column 1 (char 0)" } };

export function createObject(s: AapState, endpoint: string, req: FakeRequest, body: (r: Rec) => Obj): FakeResponse {
  if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) return parseError;
  const v = validateFields(endpoint, req.body as Obj, false, (ep, id) => recOf(s, ep, id) !== undefined);
  if ("errors" in v) return { status: 400, body: v.errors };
  const fields = { ...defaults(endpoint), ...v.ok };
  const bad = rules(s, endpoint, fields, undefined);
  if (bad) return { status: 400, body: bad };
  const now = new Date();
  const rec: Rec = { id: nextObjectId(s, endpoint), fields, created: now, modified: now, links: {} };
  if (endpoint === "job_templates") {
    s.templates.push(syncTpl({ ...rec, name: "", playbook: "", description: "", inventory: null, ask: { variables: false, limit: false, job_type: false, inventory: false } }));
  } else if (endpoint === "projects" || endpoint === "inventory_sources") {
    const sync: SyncRec = { ...rec, status: "never updated", revision: "", lastUpdate: null, lastUpdated: null };
    if (endpoint === "projects") fields.local_path = `_${rec.id}__${String(fields.name).toLowerCase().replace(/[^a-z0-9]+/g, "_")}`;
    putRec(s, endpoint, sync);
    // A new SCM project updates at once (Project.save), so its answer already names the running update.
    if (endpoint === "projects" && fields.scm_type) startUpdate(s, "project_update", sync.id);
  } else {
    putRec(s, endpoint, rec);
  }
  const out = body(recOf(s, endpoint, rec.id)!);
  return { status: 201, headers: { location: String(out.url) }, body: out };
}

export function patchObject(s: AapState, endpoint: string, rec: Rec, req: FakeRequest, body: (r: Rec) => Obj): FakeResponse {
  if (rec.fields.managed === true) return { status: 403, body: { detail: "Modifications not allowed for managed credential types" } };
  if (!req.body || typeof req.body !== "object" || Array.isArray(req.body)) return parseError;
  const v = validateFields(endpoint, req.body as Obj, true, (ep, id) => recOf(s, ep, id) !== undefined);
  if ("errors" in v) return { status: 400, body: v.errors };
  const incoming = { ...v.ok };
  if (endpoint === "credentials" && incoming.inputs && typeof incoming.inputs === "object") {
    // `$encrypted$` in a write means "keep what is stored" (CredentialSerializer).
    const old = (rec.fields.inputs ?? {}) as Obj;
    incoming.inputs = Object.fromEntries(Object.entries(incoming.inputs as Obj).map(([k, x]) => [k, x === ENCRYPTED ? old[k] : x]));
  }
  const fields = { ...rec.fields, ...incoming };
  const bad = rules(s, endpoint, fields, rec);
  if (bad) return { status: 400, body: bad };
  const scmChanged = endpoint === "projects" && SCM_FIELDS.some((k) => k in incoming && incoming[k] !== rec.fields[k]);
  rec.fields = fields;
  rec.modified = new Date();
  if (endpoint === "job_templates") syncTpl(rec as Tpl);
  if (scmChanged && fields.scm_type) startUpdate(s, "project_update", rec.id);
  return { status: 200, body: body(rec) };
}

export function deleteObject(s: AapState, endpoint: string, rec: Rec): FakeResponse {
  if (rec.fields.managed === true) return { status: 403, body: { detail: "Deletion not allowed for managed credential types" } };
  if (endpoint === "job_templates") s.templates.splice(s.templates.indexOf(rec as Tpl), 1);
  else s.objects.get(endpoint)?.delete(rec.id);
  return { status: 204 };
}

/** Model and serializer rules beyond single fields; returns the 400 body. */
function rules(s: AapState, endpoint: string, f: Obj, self: Rec | undefined): Obj | undefined {
  if (endpoint === "job_templates") {
    const bad = templateRules(s, f);
    if (bad) return bad;
    f.organization = recOf(s, "projects", f.project)?.fields.organization ?? null;
  }
  const unique = UNIQUE[endpoint];
  if (unique && recsOf(s, endpoint).some((r) => r !== self && unique.every((k) => r.fields[k] === f[k]))) {
    const names = unique.map((k) => k.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase()));
    const msg = `${LABEL[endpoint]} with this ${names.length > 1 ? `${names.slice(0, -1).join(", ")} and ${names.at(-1)}` : names[0]} already exists.`;
    if (endpoint === "users") return { username: ["A user with that username already exists."] };
    return unique.length === 1 ? { [unique[0]!]: [msg] } : { __all__: [msg] };
  }
  if (endpoint === "credentials") return credentialInputs(s, f);
  if (endpoint === "credential_types") {
    const inputs = f.inputs as Obj;
    if (inputs && Object.keys(inputs).length && !Array.isArray(inputs.fields)) return { inputs: ["'fields' is a required property"] };
    const bad = Object.keys((f.injectors ?? {}) as Obj).filter((k) => !["env", "extra_vars", "file"].includes(k));
    if (bad.length) return { injectors: [`Additional properties are not allowed ('${bad[0]}' was unexpected)`] };
  }
  if (endpoint === "notification_templates") {
    const conf = (f.notification_configuration ?? {}) as Obj;
    const missing = (REQUIRED_CONFIG[String(f.notification_type)] ?? []).filter((k) => !(k in conf));
    if (missing.length) return { notification_configuration: [`Missing required fields for Notification Configuration: ${missing.join(", ")}.`] };
    if (f.notification_type === "webhook") f.notification_configuration = { ...WEBHOOK_DEFAULTS, ...conf };
  }
  if (endpoint === "projects" && f.scm_type && !f.scm_url) return { scm_url: ["SCM URL is required."] };
  if (endpoint === "inventory_sources" && f.source === "scm" && (f.source_project === null || f.source_project === undefined)) {
    return { source_project: ["Project required for scm type sources."] };
  }
  return undefined;
}

/** CredentialSerializer: the inputs must match the type's schema (known ids, required ones, booleans). */
function credentialInputs(s: AapState, f: Obj): Obj | undefined {
  const ct = recOf(s, "credential_types", f.credential_type);
  const schema = (ct?.fields.inputs ?? {}) as { fields?: { id: string; type?: string }[]; required?: string[] };
  const known = new Map((schema.fields ?? []).map((x) => [x.id, x]));
  const inputs = (f.inputs ?? {}) as Obj;
  const errors: Record<string, string[]> = {};
  for (const [k, v] of Object.entries(inputs)) {
    const field = known.get(k);
    if (!field) errors[k] = [`Additional properties are not allowed ('${k}' was unexpected)`];
    else if (field.type === "boolean" ? typeof v !== "boolean" : typeof v !== "string") errors[k] = [`${JSON.stringify(v)} is not of type '${field.type ?? "string"}'`];
  }
  for (const k of schema.required ?? []) if (inputs[k] === undefined || inputs[k] === "") errors[k] = [`required for ${nameOf(s, "credential_types", f.credential_type) ?? ""}`];
  return Object.keys(errors).length ? { inputs: errors } : undefined;
}
