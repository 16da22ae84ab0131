import type { AapState } from "./state.ts";
import { SEEDED, type Obj, type Rec, type SyncRec, type Tpl } from "./records.ts";
import { defaults } from "./fields.ts";
import { putRec } from "./objects.ts";
import { syncTpl } from "./template-writes.ts";

const rec = (id: number, fields: Obj): Rec => ({ id, fields, created: SEEDED, modified: SEEDED, links: {} });
const secret = (id: string, label: string, extra: Obj = {}) => ({ id, label, type: "string", secret: true, ...extra });

/** The credential types every controller ships (managed), with their AWX ids, namespaces and input schemas. */
const MANAGED_TYPES: [number, string, string, string, Obj][] = [
  [1, "Machine", "ssh", "ssh", { fields: [{ id: "username", label: "Username", type: "string" }, secret("password", "Password", { ask_at_runtime: true }), secret("ssh_key_data", "SSH Private Key", { format: "ssh_private_key", multiline: true }), { id: "ssh_public_key_data", label: "Signed SSH Certificate", type: "string", multiline: true }, secret("ssh_key_unlock", "Private Key Passphrase", { ask_at_runtime: true }), { id: "become_method", label: "Privilege Escalation Method", type: "string" }, { id: "become_username", label: "Privilege Escalation Username", type: "string" }, secret("become_password", "Privilege Escalation Password", { ask_at_runtime: true })] }],
  [2, "Source Control", "scm", "scm", { fields: [{ id: "username", label: "Username", type: "string" }, secret("password", "Password"), secret("ssh_key_data", "SCM Private Key", { format: "ssh_private_key", multiline: true }), secret("ssh_key_unlock", "Private Key Passphrase")] }],
  [3, "Vault", "vault", "vault", { fields: [secret("vault_password", "Vault Password", { ask_at_runtime: true }), { id: "vault_id", label: "Vault Identifier", type: "string" }], required: ["vault_password"] }],
  [4, "Network", "net", "net", { fields: [{ id: "username", label: "Username", type: "string" }, secret("password", "Password"), secret("ssh_key_data", "SSH Private Key", { multiline: true }), secret("ssh_key_unlock", "Private Key Passphrase"), { id: "authorize", label: "Authorize", type: "boolean" }, secret("authorize_password", "Authorize Password")], required: ["username"] }],
  [12, "GitHub Personal Access Token", "token", "github_token", { fields: [secret("token", "Token")], required: ["token"] }],
  [16, "Red Hat Ansible Automation Platform", "cloud", "controller", { fields: [{ id: "host", label: "Red Hat Ansible Automation Platform", type: "string" }, { id: "username", label: "Username", type: "string" }, secret("password", "Password"), secret("oauth_token", "OAuth Token"), { id: "verify_ssl", label: "Verify SSL", type: "boolean" }], required: ["host"] }],
  [18, "Container Registry", "registry", "registry", { fields: [{ id: "host", label: "Authentication URL", type: "string" }, { id: "username", label: "Username", type: "string" }, secret("password", "Password or Token"), { id: "verify_ssl", label: "Verify SSL", type: "boolean" }], required: ["host"] }],
  [19, "Ansible Galaxy/Automation Hub API Token", "galaxy", "galaxy_api_token", { fields: [{ id: "url", label: "Galaxy Server URL", type: "string" }, { id: "auth_url", label: "Auth Server URL", type: "string" }, secret("token", "API Token")], required: ["url"] }],
];

/** What a fresh controller holds: the managed credential types, its execution environment, instance groups, the admin. */
export function seedController(s: AapState): void {
  for (const [id, name, kind, namespace, inputs] of MANAGED_TYPES) {
    putRec(s, "credential_types", rec(id, { name, description: "", kind, namespace, managed: true, inputs, injectors: {} }));
  }
  putRec(s, "execution_environments", rec(1, { name: "Default execution environment", description: "", organization: null, image: "quay.io/ansible/awx-ee:24.6.1", managed: false, credential: null, pull: "" }));
  putRec(s, "instance_groups", rec(1, { name: "controlplane", is_container_group: false, policy_instance_percentage: 100, policy_instance_minimum: 0 }));
  putRec(s, "instance_groups", rec(2, { name: "default", is_container_group: false, policy_instance_percentage: 100, policy_instance_minimum: 0 }));
  putRec(s, "users", rec(1, { username: "admin", first_name: "", last_name: "", email: "admin@lab.home.arpa", is_superuser: true }));
}

/** The homelab as the Seeder leaves it: organization, SSH credential, project, inventory, its Nautobot source, four templates. */
export function seedHomelab(s: AapState): void {
  putRec(s, "organizations", rec(1, { ...defaults("organizations"), name: "Homelab", description: "" }));
  putRec(s, "credentials", rec(3, { ...defaults("credentials"), name: "Homelab SSH", organization: 1, credential_type: 1, inputs: { username: "ansible", ssh_key_data: "-----BEGIN OPENSSH PRIVATE KEY-----\nlab\n-----END OPENSSH PRIVATE KEY-----\n", become_method: "sudo" } }));
  putRec(s, "inventories", rec(1, { ...defaults("inventories"), name: "Homelab (Nautobot)", description: "Hosts from Nautobot", organization: 1 }));
  const project: SyncRec = {
    ...rec(6, { ...defaults("projects"), name: "HomeLab Ops", description: "Playbooks and roles of the homelab", local_path: "_6__homelab_ops", scm_type: "git", scm_url: "https://git.lab.home.arpa/homelab/homelab-ops.git", scm_branch: "main", organization: 1 }),
    status: "successful", revision: "5f2c1b7e9a0d4c3b8e6f1a2d3c4b5a6978695a4b", lastUpdate: 12, lastUpdated: SEEDED,
  };
  putRec(s, "projects", project);
  const source: SyncRec = {
    ...rec(11, { ...defaults("inventory_sources"), name: "Nautobot", description: "Dynamic inventory from Nautobot (networktocode.nautobot)", source: "scm", source_path: "inventory/nautobot.yml", overwrite: true, overwrite_vars: true, inventory: 1, source_project: 6 }),
    status: "successful", revision: project.revision, lastUpdate: 13, lastUpdated: SEEDED,
  };
  putRec(s, "inventory_sources", source);
  const tpl = (id: number, name: string, playbook: string, description: string, asks: string[]): Tpl => {
    const t = {
      ...rec(id, { ...defaults("job_templates"), name, playbook, description, inventory: 1, project: 6, organization: 1, become_enabled: true, ...Object.fromEntries(asks.map((a) => [`ask_${a}_on_launch`, true])) }),
      name: "", playbook: "", description: "", inventory: null, ask: { variables: false, limit: false, job_type: false, inventory: false },
    } as Tpl;
    t.links = { credentials: [3] };
    return syncTpl(t);
  };
  s.templates.push(
    tpl(7, "Master Deploy", "playbooks/master_deploy.yml", "Deploy any app of Nautobot's app_list", ["variables", "limit", "job_type", "diff_mode"]),
    tpl(8, "Setup AAP (Seeder)", "playbooks/setup_aap.yml", "Seed AAP objects from the repo", []),
    tpl(9, "Deploy GitHub Runner", "playbooks/github_runner.yml", "Install a self-hosted GitHub Actions runner", ["variables", "limit"]),
    tpl(10, "Cleanup OCP Folders", "playbooks/cleanup_ocp.yml", "Remove old OpenShift folders from the docker share", ["variables", "limit"]),
  );
  const seedUpdate = (id: number, kind: "project_update" | "inventory_update", owner: number) =>
    ({ id, kind, owner, status: "successful", created: SEEDED, started: SEEDED, finished: SEEDED, eventsFinished: true, revision: project.revision });
  s.updates.set(12, seedUpdate(12, "project_update", 6));
  s.updates.set(13, seedUpdate(13, "inventory_update", 11));
}

/** The homelab's surveyed template, after the workflows (its id follows theirs). */
export function seedSurveyed(s: AapState): void {
  const t = { ...rec(s.nextUjt++, { ...defaults("job_templates"), name: "Create Backup Job", playbook: "playbooks/backup_job.yml", description: "Back up one host, as the survey asks", inventory: 1, project: 6, organization: 1, become_enabled: true }),
    name: "", playbook: "", description: "", inventory: null, ask: { variables: false, limit: false, job_type: false, inventory: false } } as Tpl;
  t.links = { credentials: [3] };
  s.templates.push(surveyed(syncTpl(t)));
}

/** A template with a survey (and no prompt for variables): AWX takes the survey's answers anyway. */
function surveyed(t: Tpl): Tpl {
  t.fields.survey_enabled = true;
  t.survey = {
    name: "Backup job", description: "What to back up and how long to keep it",
    spec: [
      { question_name: "Host", question_description: "The host to back up", variable: "backup_host", type: "multiplechoice", required: true, choices: ["docker01", "docker02", "edge01", "nautobot01"], default: "", min: null, max: null },
      { question_name: "Retention (days)", question_description: "Days the snapshots are kept", variable: "backup_retention", type: "integer", required: true, min: 1, max: 90, default: 14 },
      { question_name: "Repository password", question_description: "Encrypts the backup repository", variable: "backup_password", type: "password", required: true, min: 8, max: 128, default: "" },
    ],
  };
  return t;
}
