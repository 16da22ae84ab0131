import type { AapState } from "./state.ts";
import type { Obj, Rec } from "./records.ts";
import { ENCRYPTED } from "./fields.ts";
import { iso } from "./format.ts";
import { objectRoles } from "./roles.ts";

/** The controller's object store: lookups, foreign-key summaries and the serializer of the plain object types. */

/** Projects, inventory sources and job templates share one id sequence (unified job templates), as in AWX. */
export const UJT_ENDPOINTS = ["projects", "inventory_sources", "job_templates"];

const TYPE: Record<string, string> = {
  organizations: "organization", credential_types: "credential_type", credentials: "credential", inventories: "inventory",
  notification_templates: "notification_template", execution_environments: "execution_environment", instance_groups: "instance_group",
  labels: "label", users: "user", projects: "project", inventory_sources: "inventory_source", job_templates: "job_template",
};

export function typeOf(endpoint: string): string {
  return TYPE[endpoint] ?? endpoint.replace(/s$/, "");
}

export function recsOf(s: AapState, endpoint: string): Rec[] {
  if (endpoint === "job_templates") return s.templates;
  return [...(s.objects.get(endpoint)?.values() ?? [])];
}

export function recOf(s: AapState, endpoint: string, id: unknown): Rec | undefined {
  const n = Number(id);
  if (!Number.isInteger(n)) return undefined;
  return endpoint === "job_templates" ? s.templates.find((t) => t.id === n) : s.objects.get(endpoint)?.get(n);
}

export function nameOf(s: AapState, endpoint: string, id: unknown): string | undefined {
  const r = recOf(s, endpoint, id);
  return r ? String(r.fields.name ?? r.fields.username ?? "") : undefined;
}

/** A new id: the unified job template sequence, or the table's own. */
export function nextObjectId(s: AapState, endpoint: string): number {
  if (UJT_ENDPOINTS.includes(endpoint)) return s.nextUjt++;
  return Math.max(0, ...recsOf(s, endpoint).map((r) => r.id)) + 1;
}

export function putRec(s: AapState, endpoint: string, rec: Rec): void {
  if (endpoint === "job_templates") throw new Error("templates are kept in s.templates");
  let m = s.objects.get(endpoint);
  if (!m) s.objects.set(endpoint, (m = new Map()));
  m.set(rec.id, rec);
}

/** The summary_fields entry of a foreign key (AWX SUMMARIZABLE_FK_FIELDS). */
export function fkSummary(s: AapState, endpoint: string, id: unknown): Obj | undefined {
  const r = recOf(s, endpoint, id);
  if (!r) return undefined;
  const f = r.fields;
  const base: Obj = { id: r.id, name: f.name, description: f.description ?? "" };
  switch (endpoint) {
    case "inventories": {
      const sources = recsOf(s, "inventory_sources").filter((x) => x.fields.inventory === r.id).length;
      return { ...base, has_active_failures: false, total_hosts: s.inventory.length, hosts_with_active_failures: 0, total_groups: 0, has_inventory_sources: sources > 0, total_inventory_sources: sources, inventory_sources_with_failures: 0, organization_id: f.organization, kind: f.kind };
    }
    case "projects": return { ...base, status: (r as { status?: string }).status ?? "never updated", scm_type: f.scm_type, allow_override: f.allow_override };
    case "credentials": {
      const ct = recOf(s, "credential_types", f.credential_type);
      return { ...base, kind: ct?.fields.namespace ?? "", cloud: ct?.fields.kind === "cloud", kubernetes: false, credential_type_id: f.credential_type };
    }
    case "execution_environments": return { ...base, image: f.image };
    case "credential_types": return base;
    default: return base;
  }
}

/** Foreign keys of a record as related links and summary_fields entries. */
export function fkLinks(s: AapState, rec: Rec, fks: Record<string, string>): { related: Obj; summary: Obj } {
  const related: Obj = {};
  const summary: Obj = {};
  for (const [field, endpoint] of Object.entries(fks)) {
    const id = rec.fields[field];
    if (id === null || id === undefined) continue;
    related[field] = `${s.p}${endpoint}/${String(id)}/`;
    const sum = fkSummary(s, endpoint, id);
    if (sum) summary[field] = sum;
  }
  return { related, summary };
}

const FKS: Record<string, Record<string, string>> = {
  organizations: { default_environment: "execution_environments" },
  credentials: { organization: "organizations", credential_type: "credential_types" },
  inventories: { organization: "organizations" },
  notification_templates: { organization: "organizations" },
  execution_environments: { organization: "organizations", credential: "credentials" },
};

const SUBS: Record<string, string[]> = {
  organizations: ["execution_environments", "projects", "inventories", "job_templates", "workflow_job_templates", "users", "admins", "teams", "credentials", "applications", "activity_stream", "notification_templates", "notification_templates_started", "notification_templates_success", "notification_templates_error", "notification_templates_approvals", "object_roles", "access_list", "instance_groups", "galaxy_credentials"],
  credential_types: ["credentials", "activity_stream"],
  credentials: ["activity_stream", "access_list", "object_roles", "owner_users", "owner_teams", "copy", "input_sources"],
  inventories: ["hosts", "variable_data", "groups", "root_groups", "script", "tree", "inventory_sources", "update_inventory_sources", "activity_stream", "job_templates", "ad_hoc_commands", "access_list", "object_roles", "instance_groups", "copy", "labels"],
  notification_templates: ["test", "notifications", "copy"],
};

/** Secret inputs of a credential (its type's `secret: true` fields) read back as `$encrypted$`, as AWX does. */
export function maskedInputs(s: AapState, rec: Rec): Obj {
  const ct = recOf(s, "credential_types", rec.fields.credential_type);
  const fields = ((ct?.fields.inputs as Obj | undefined)?.fields ?? []) as { id: string; secret?: boolean }[];
  const secret = new Set(fields.filter((f) => f.secret).map((f) => f.id));
  const inputs = (rec.fields.inputs ?? {}) as Obj;
  return Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, secret.has(k) && v !== "" ? ENCRYPTED : v]));
}

/** Password-typed notification configuration (webhook/… password, slack token, …) reads back as `$encrypted$`. */
export const NOTIFICATION_SECRETS = new Set(["password", "token", "account_token", "service_key", "secret"]);

/** Any plain object (organization, credential type, credential, inventory, notification template, ...) as its detail view shows it. */
export function objectBody(s: AapState, endpoint: string, rec: Rec): Obj {
  const base = `${s.p}${endpoint}/${rec.id}/`;
  const { related, summary } = fkLinks(s, rec, FKS[endpoint] ?? {});
  const fields: Obj = { ...rec.fields };
  if (endpoint === "credentials") {
    fields.inputs = maskedInputs(s, rec);
    const ct = recOf(s, "credential_types", rec.fields.credential_type);
    Object.assign(fields, { managed: false, kind: ct?.fields.namespace ?? "", cloud: ct?.fields.kind === "cloud", kubernetes: false });
  }
  if (endpoint === "notification_templates") {
    const conf = (rec.fields.notification_configuration ?? {}) as Obj;
    fields.notification_configuration = Object.fromEntries(Object.entries(conf).map(([k, v]) => [k, NOTIFICATION_SECRETS.has(k) && v !== "" ? ENCRYPTED : v]));
  }
  if (endpoint === "inventories") {
    const sources = recsOf(s, "inventory_sources").filter((x) => x.fields.inventory === rec.id).length;
    Object.assign(fields, { has_active_failures: false, total_hosts: s.inventory.length, hosts_with_active_failures: 0, total_groups: 0, has_inventory_sources: sources > 0, total_inventory_sources: sources, inventory_sources_with_failures: 0, pending_deletion: false });
  }
  if (endpoint === "credential_types") fields.managed = Boolean(rec.fields.managed);
  if (endpoint === "users") fields.password = "$encrypted$";
  return {
    id: rec.id, type: typeOf(endpoint), url: base,
    related: {
      ...(fields.name !== undefined && endpoint !== "credential_types" ? { named_url: `${s.p}${endpoint}/${namedUrl(s, endpoint, rec)}/` } : {}),
      created_by: `${s.p}users/1/`, modified_by: `${s.p}users/1/`,
      ...Object.fromEntries((SUBS[endpoint] ?? []).map((k) => [k, `${base}${k}/`])), ...related,
    },
    summary_fields: {
      ...summary, ...(endpoint === "inventories" ? { object_roles: objectRoles(endpoint, rec.id) } : {}), created_by: { id: 1, username: "admin", first_name: "", last_name: "" }, modified_by: { id: 1, username: "admin", first_name: "", last_name: "" },
      user_capabilities: { edit: true, delete: true, ...(endpoint === "credentials" || endpoint === "inventories" || endpoint === "notification_templates" ? { copy: true } : {}) },
    },
    created: iso(rec.created), modified: iso(rec.modified), ...fields,
  };
}

function namedUrl(s: AapState, endpoint: string, rec: Rec): string {
  const org = nameOf(s, "organizations", rec.fields.organization);
  if (endpoint === "credentials") {
    const ct = recOf(s, "credential_types", rec.fields.credential_type);
    return `${String(rec.fields.name)}++${String(ct?.fields.name ?? "")}+${String(ct?.fields.kind ?? "")}++${org ?? ""}`;
  }
  return org !== undefined && endpoint !== "organizations" ? `${String(rec.fields.name)}++${org}` : String(rec.fields.name);
}
