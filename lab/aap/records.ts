import type { FakeDockerHosts } from "../docker/fake-docker.ts";
import type { FakeAapFailure, FakeHostVars } from "./options.ts";

/** The fake AAP's internal records (templates, jobs, syncs, events) and the seeded objects they point at. */

export type Obj = Record<string, unknown>;
export type Tally = { ok: number; changed: number; failures: number; dark: number; skipped: number };

/** Any controller object: its writable fields as the API shows them (validated by fake-aap-fields.ts). */
export interface Rec {
  id: number;
  fields: Obj;
  created: Date;
  modified: Date;
  /** Associated objects by sub-endpoint (credentials, notification_templates_error, instance_groups, ...). */
  links: Record<string, number[]>;
}

/** A project or inventory source: a unified job template whose last update is tracked. */
export interface SyncRec extends Rec {
  status: string;
  revision: string;
  lastUpdate: number | null;
  lastUpdated: Date | null;
}

export interface Tpl extends Rec {
  /** Mirrors of fields.name, .playbook, .description, .inventory and the ask_* flags, kept in step by syncTpl(). */
  name: string;
  playbook: string;
  description: string;
  inventory: number | null;
  ask: { variables: boolean; limit: boolean; job_type: boolean; inventory: boolean; diff_mode?: boolean | undefined };
  lastJob?: JobRec | undefined;
  /** survey_spec/ as posted (name, description, spec); enforced at launch when fields.survey_enabled. */
  survey?: Obj | undefined;
}

export interface JobRec {
  id: number;
  tpl: Tpl;
  /** The inventory's host names when the job was launched. */
  inventory: string[];
  /** Their host vars, read at launch (the inventory source updates on launch). */
  hostVars: Map<string, FakeHostVars>;
  jobType: "run" | "check";
  /** `diff_mode` (ask_diff_mode_on_launch): changed tasks carry `res.diff`. */
  diffMode?: boolean | undefined;
  limit: string;
  extraVars: Obj;
  /** Survey password variables, shown as `$encrypted$` (AWX's survey_passwords). */
  surveyPasswords?: string[] | undefined;
  launchType: "manual" | "relaunch" | "workflow";
  /** The workflow job that spawned it (a job node). */
  workflowJob?: number | undefined;
  status: string;
  created: Date;
  modified: Date;
  started?: Date | undefined;
  finished?: Date | undefined;
  eventsFinished: boolean;
  cancelRequested: boolean;
  events: Obj[];
  lines: number;
  tally: Map<string, Tally>;
  failure?: FakeAapFailure | undefined;
  heldStats?: EventInput | undefined;
  playCount: number;
  taskCount: number;
  /** The Docker hosts the job's tasks act on. */
  docker: FakeDockerHosts;
  hostStatusCounts: Record<string, number>;
}

export interface UpdateRec {
  id: number;
  kind: "project_update" | "inventory_update";
  /** The project or inventory source it updates. */
  owner: number;
  status: string;
  created: Date;
  started?: Date | undefined;
  finished?: Date | undefined;
  eventsFinished: boolean;
  revision: string;
}

export interface EventInput {
  event: string;
  level: number;
  host?: string | undefined;
  task?: TaskSpec | undefined;
  play?: string | undefined;
  data?: Obj | undefined;
  failed?: boolean | undefined;
  changed?: boolean | undefined;
  stdout: string;
}

export interface TaskSpec {
  name: string;
  role?: string | undefined;
  action: string;
  changes?: boolean | undefined;
  msg?: string | undefined;
  /** An assert of the real playbook: the failure message on this host, or undefined when it passes. */
  check?: ((c: TaskCheck) => string | undefined) | undefined;
  /** `run_once: true`: runs on the first host; its result (a failure too) applies to every host. */
  runOnce?: boolean | undefined;
  /** A `when:` that is false on this host: the condition Ansible reports as `false_condition`, or undefined to run. */
  skip?: ((c: TaskCheck) => string | undefined) | undefined;
  /** What the module does on this host (instead of `changes`/`msg`): changed or not, and its result; never changes anything in check mode. */
  run?: ((c: TaskCheck) => { changed: boolean; res?: Obj | undefined }) | undefined;
}

/** What a task's check sees: the host, its inventory vars, and the job (extra vars, limit). */
export interface TaskCheck {
  host: string;
  vars: FakeHostVars;
  job: JobRec;
}

export interface PlaybookSpec {
  play: (vars: Obj) => string;
  /** The play's `hosts:`, given the inventory's host names. */
  hosts: (inventory: string[], vars: Obj) => string[];
  gatherFacts: boolean;
  /** The task names of the real playbook in playbooks/ (checked by test/iac/playbooks.test.ts). */
  tasks: TaskSpec[] | ((vars: Obj) => TaskSpec[]);
}

export const ORG = { id: 1, name: "Homelab", description: "" };
export const PROJECT_ID = 6;
export const INVENTORY = { id: 1, name: "Homelab (Nautobot)" };
export const INV_SOURCE_ID = 11;
export const CREDENTIAL = { id: 3, name: "Homelab SSH", description: "", kind: "ssh", cloud: false };
export const EE = { id: 1, name: "Default execution environment", description: "", image: "registry.redhat.io/ansible-automation-platform-25/ee-supported-rhel8:latest" };
export const USER = { id: 1, username: "admin", first_name: "", last_name: "" };
export const SEEDED = new Date("2024-11-04T09:12:31.118421Z");
export const ACTIVE = ["new", "pending", "waiting", "running"];
export const UNAUTHENTICATED = "Authentication credentials were not provided. To establish a login session, visit /api/login/.";
export const PROMPTED: Record<string, keyof Tpl["ask"]> = { extra_vars: "variables", limit: "limit", job_type: "job_type", inventory: "inventory", diff_mode: "diff_mode" };
export const OTHER_PROMPTS = ["credentials", "scm_branch", "job_tags", "skip_tags", "verbosity", "execution_environment", "labels", "forks", "job_slice_count", "timeout", "instance_groups"];
