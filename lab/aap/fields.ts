import type { Obj } from "./records.ts";

/** A writable field of a controller serializer: type, default, whether required, the endpoint a foreign key points at. */
export interface FieldSpec {
  t: "str" | "int" | "bool" | "json" | "fk" | "choice";
  d?: unknown;
  req?: true;
  fk?: string;
  ch?: readonly string[];
  /** Longest accepted string (AWX: names 512). */
  max?: number;
}

const str = (d = ""): FieldSpec => ({ t: "str", d });
const bool = (d = false): FieldSpec => ({ t: "bool", d });
const int = (d = 0): FieldSpec => ({ t: "int", d });
const fk = (endpoint: string, req?: true): FieldSpec => ({ t: "fk", fk: endpoint, d: null, ...(req ? { req } : {}) });
const NAME: FieldSpec = { t: "str", req: true, max: 512 };
const ASKS = ["scm_branch", "diff_mode", "variables", "limit", "tags", "skip_tags", "job_type", "verbosity", "inventory", "credential",
  "execution_environment", "labels", "forks", "job_slice_count", "timeout", "instance_groups"];

export const NOTIFICATION_TYPES = ["email", "grafana", "irc", "mattermost", "pagerduty", "rocketchat", "slack", "twilio", "webhook"] as const;

/** The writable fields of each endpoint (AWX 24 serializers), in serializer order. */
export const FIELDS: Record<string, Record<string, FieldSpec>> = {
  users: {
    username: { t: "str", req: true, max: 150 }, first_name: str(), last_name: str(), email: str(), is_superuser: bool(), is_system_auditor: bool(),
    password: str(),
  },
  organizations: { name: NAME, description: str(), max_hosts: int(), custom_virtualenv: { t: "str", d: null }, default_environment: fk("execution_environments") },
  credential_types: { name: NAME, description: str(), kind: { t: "choice", ch: ["net", "cloud"], req: true }, namespace: { t: "str", d: null }, inputs: { t: "json", d: {} }, injectors: { t: "json", d: {} } },
  credentials: { name: NAME, description: str(), organization: fk("organizations"), credential_type: fk("credential_types", true), inputs: { t: "json", d: {} } },
  inventories: {
    name: NAME, description: str(), organization: fk("organizations", true), kind: { t: "choice", ch: ["", "smart", "constructed"], d: "" },
    host_filter: { t: "str", d: null }, variables: str(), prevent_instance_group_fallback: bool(),
  },
  notification_templates: {
    name: NAME, description: str(), organization: fk("organizations", true), notification_type: { t: "choice", ch: NOTIFICATION_TYPES, req: true },
    notification_configuration: { t: "json", d: {} }, messages: { t: "json", d: null },
  },
  projects: {
    name: NAME, description: str(), local_path: str(), scm_type: { t: "choice", ch: ["", "git", "svn", "insights", "archive"], d: "" }, scm_url: str(),
    scm_branch: str(), scm_refspec: str(), scm_clean: bool(), scm_track_submodules: bool(), scm_delete_on_update: bool(), credential: fk("credentials"),
    timeout: int(), organization: fk("organizations", true), scm_update_on_launch: bool(), scm_update_cache_timeout: int(), allow_override: bool(),
    default_environment: fk("execution_environments"), signature_validation_credential: fk("credentials"),
  },
  inventory_sources: {
    name: NAME, description: str(), source: { t: "choice", ch: ["file", "constructed", "scm", "ec2", "gce", "azure_rm", "vmware", "satellite6", "openstack", "rhv", "controller", "insights", "terraform", "openshift_virtualization"], req: true },
    source_path: str(), source_vars: str(), scm_branch: str(), credential: fk("credentials"), enabled_var: str(), enabled_value: str(), host_filter: str(),
    overwrite: bool(), overwrite_vars: bool(), timeout: int(), verbosity: int(1), limit: str(), execution_environment: fk("execution_environments"),
    inventory: fk("inventories", true), update_on_launch: bool(), update_cache_timeout: int(), source_project: fk("projects"),
  },
  job_templates: {
    name: NAME, description: str(), job_type: { t: "choice", ch: ["run", "check"], d: "run" }, inventory: fk("inventories"), project: fk("projects"),
    playbook: str(), scm_branch: str(), forks: int(), limit: str(), verbosity: int(), extra_vars: str(), job_tags: str(), force_handlers: bool(),
    skip_tags: str(), start_at_task: str(), timeout: int(), use_fact_cache: bool(), execution_environment: fk("execution_environments"),
    host_config_key: str(), ...Object.fromEntries(ASKS.map((a) => [`ask_${a}_on_launch`, bool()])), survey_enabled: bool(), become_enabled: bool(),
    diff_mode: bool(), allow_simultaneous: bool(), job_slice_count: int(1), webhook_service: str(), webhook_credential: fk("credentials"),
    prevent_instance_group_fallback: bool(),
  },
};

/** Fields the API reads from `secret` inputs (credentials) or password-typed config (notification templates) shows as this. */
export const ENCRYPTED = "$encrypted$";

/** A field's default as the serializer shows it (a fresh copy for JSON). */
export function defaults(endpoint: string): Obj {
  return Object.fromEntries(Object.entries(FIELDS[endpoint] ?? {}).map(([k, f]) => [k, f.d === undefined ? (f.t === "str" ? "" : null) : structuredClone(f.d)]));
}

/**
 * DRF field validation of a POST (every required field) or PATCH body: unknown keys are ignored as DRF does,
 * read-only ones too. Returns the accepted values, or the 400 body.
 */
export function validateFields(endpoint: string, body: Obj, partial: boolean, exists: (endpoint: string, id: number) => boolean): { ok: Obj } | { errors: Obj } {
  const spec = FIELDS[endpoint] ?? {};
  const ok: Obj = {};
  const errors: Record<string, string[]> = {};
  for (const [k, f] of Object.entries(spec)) {
    if (!(k in body)) {
      if (!partial && f.req) errors[k] = ["This field is required."];
      continue;
    }
    const v = body[k];
    const bad = check(f, v, exists);
    if (bad) errors[k] = [bad];
    else if (v === null && f.d !== null && f.t !== "fk" && f.t !== "json" && f.t !== "int") ok[k] = f.t === "bool" ? false : "";
    else ok[k] = f.t === "int" && typeof v === "string" ? Number(v) : f.t === "bool" && typeof v === "string" ? v === "true" : v;
  }
  return Object.keys(errors).length ? { errors } : { ok };
}

function check(f: FieldSpec, v: unknown, exists: (endpoint: string, id: number) => boolean): string | undefined {
  // AWX's CharNullField / ChoiceNullField / BooleanNullField take null as "" / false (checked below as such).
  if (v === null && (f.t === "str" || f.t === "choice" || f.t === "bool") && f.d !== null) return check(f, f.t === "bool" ? false : "", exists);
  if (v === null) return f.d === null && !f.req ? undefined : "This field may not be null.";
  switch (f.t) {
    case "str":
      if (typeof v !== "string") return "Not a valid string.";
      if (f.req && v.trim() === "") return "This field may not be blank.";
      return f.max !== undefined && v.length > f.max ? `Ensure this field has no more than ${f.max} characters.` : undefined;
    case "int": return Number.isInteger(typeof v === "string" ? Number(v) : v) ? undefined : "A valid integer is required.";
    case "bool": return typeof v === "boolean" || v === "true" || v === "false" ? undefined : "Must be a valid boolean.";
    case "json": return typeof v === "object" ? undefined : "Value must be valid JSON.";
    case "choice": return f.ch!.includes(String(v)) ? undefined : `"${String(v)}" is not a valid choice.`;
    case "fk": {
      const id = Number(v);
      if (!Number.isInteger(id)) return `Incorrect type. Expected pk value, received ${typeof v === "string" ? "str" : typeof v}.`;
      return exists(f.fk!, id) ? undefined : `Invalid pk "${id}" - object does not exist.`;
    }
  }
}
