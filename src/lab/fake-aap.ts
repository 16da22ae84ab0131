import { randomUUID } from "node:crypto";
import { FakeHttpServer, type FakeRequest, type FakeResponse } from "./fake-http.ts";
import { LAB_HOSTS, LAB_TOKENS } from "./homelab.ts";

/**
 * A faithful fake of the AWX / AAP controller API v2 (see shared/docs/api-contracts.md §1): Bearer auth,
 * DRF pagination with host-relative `next`, Django-style filters, job launch with `ignored_fields`,
 * timed job runs that emit Ansible job events, stdout, cancel, relaunch, project/inventory syncs and
 * the job notification webhook.
 */

/** Make `task` fail on `host` (every host of the job when absent) with `msg` as the module's `res.msg`. */
export interface FakeAapFailure {
  host?: string | undefined;
  task: string;
  msg: string;
}

export interface FakeAapOptions {
  token?: string | undefined;
  /** API prefix, echoed in every `url`, `related` and `next`: `/api/v2/` or `/api/controller/v2/`. */
  apiPath?: string | undefined;
  /** Milliseconds between job state changes and event batches (default 400). */
  stepMs?: number | undefined;
  /** Milliseconds a job stays `pending` (default stepMs). */
  pendingMs?: number | undefined;
  /** Failures keyed by the app name in `extra_vars.app`. */
  failures?: Record<string, FakeAapFailure> | undefined;
  /** Where to POST the job notification (flat `job_metadata`) when a job finishes. */
  webhookUrl?: string | undefined;
  webhookHeaders?: Record<string, string> | undefined;
  /**
   * What a playbook does to the rest of the simulated lab, by playbook file: decided at launch (a failure
   * to simulate), applied when the job succeeds (e.g. cleanup_ocp.yml removes folders on the fake TrueNAS).
   */
  effects?: Record<string, PlaybookEffect> | undefined;
  /**
   * The inventory source behind "Homelab (Nautobot)": read when an inventory update succeeds, so hosts
   * added in Nautobot (a new runner LXC) become launchable. Default: the seeded homelab only.
   */
  inventorySource?: (() => string[]) | undefined;
  /** Return true to drop the notification of this job (simulates a lost webhook). */
  dropWebhooks?: ((jobId: number) => boolean) | undefined;
}

/** A playbook's effect on the simulated lab; see FakeAapOptions.effects. */
export type PlaybookEffect = (run: { extraVars: Record<string, unknown>; limit: string; jobType: "run" | "check" }) =>
  { failure?: FakeAapFailure | undefined; apply?: (() => void) | undefined } | undefined;

/** A launch POST that created a job. */
export interface FakeAapLaunch {
  jobId: number;
  templateName: string;
  extraVars: Record<string, unknown>;
  limit: string;
  jobType: string;
}

/** What a test can read about a job. */
export interface FakeAapJobView {
  id: number;
  templateName: string;
  status: string;
  failed: boolean;
  limit: string;
  jobType: string;
  extraVars: Record<string, unknown>;
  launchType: string;
  events: number;
  eventProcessingFinished: boolean;
}

/** Template settings a test may change (e.g. drop the inventory, turn prompts off). */
export interface FakeAapTemplatePatch {
  inventory?: number | null | undefined;
  ask_variables_on_launch?: boolean | undefined;
  ask_limit_on_launch?: boolean | undefined;
  ask_job_type_on_launch?: boolean | undefined;
  ask_inventory_on_launch?: boolean | undefined;
}

type Obj = Record<string, unknown>;
type Tally = { ok: number; changed: number; failures: number; dark: number; skipped: number };

interface Tpl {
  id: number;
  name: string;
  playbook: string;
  description: string;
  inventory: number | null;
  ask: { variables: boolean; limit: boolean; job_type: boolean; inventory: boolean };
  lastJob?: JobRec | undefined;
}

interface JobRec {
  id: number;
  tpl: Tpl;
  /** The inventory's host names when the job was launched. */
  inventory: string[];
  jobType: "run" | "check";
  limit: string;
  extraVars: Obj;
  launchType: "manual" | "relaunch";
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
  hostStatusCounts: Record<string, number>;
}

interface UpdateRec {
  id: number;
  kind: "project_update" | "inventory_update";
  status: string;
  created: Date;
  started?: Date | undefined;
  finished?: Date | undefined;
  eventsFinished: boolean;
  revision: string;
}

interface EventInput {
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

interface TaskSpec {
  name: string;
  role?: string | undefined;
  action: string;
  changes?: boolean | undefined;
  msg?: string | undefined;
}

interface PlaybookSpec {
  play: (vars: Obj) => string;
  hosts: () => string[];
  gatherFacts: boolean;
  /** The task names of the real playbook in playbooks/ (checked by test/iac/playbooks.test.ts). */
  tasks: TaskSpec[] | ((vars: Obj) => TaskSpec[]);
}

const role = (r: string) => LAB_HOSTS.filter((h) => h.role === r).map((h) => h.name);
const docker = (name: string, action: string, changes = false): TaskSpec => ({ name, role: "docker_app", action, changes });

/** What each seeded playbook does, task by task. */
const PLAYBOOKS: Record<string, PlaybookSpec> = {
  "master_deploy.yml": {
    play: (v) => `Deploy ${typeof v.app === "string" ? v.app : "apps"}`,
    hosts: () => role("docker-host"),
    gatherFacts: true,
    tasks: [
      docker("Ensure network", "community.docker.docker_network"),
      docker("Ensure volumes", "community.docker.docker_volume", true),
      docker("Pull image", "community.docker.docker_image", true),
      docker("Run container", "community.docker.docker_container", true),
      { ...docker("Wait for healthcheck", "ansible.builtin.uri"), msg: "OK (unknown bytes)" },
    ],
  },
  "setup_aap.yml": {
    play: () => "Setup AAP (Seeder)",
    hosts: () => ["localhost"],
    gatherFacts: false,
    tasks: [
      ["Ensure organization", "awx.awx.organization"], ["Ensure credential types", "awx.awx.credential_type"],
      ["Ensure Nautobot API credential", "awx.awx.credential"], ["Ensure GitHub Runner Token credential", "awx.awx.credential"],
      ["Ensure SSH credentials", "awx.awx.credential"], ["Ensure AAP Controller credential", "awx.awx.credential"],
      ["Ensure project", "awx.awx.project"], ["Ensure inventory", "awx.awx.inventory"], ["Ensure inventory source", "awx.awx.inventory_source"],
      ["Ensure webhook notification", "awx.awx.notification_template"], ["Ensure job templates", "awx.awx.job_template"],
    ].map(([name, action]) => ({ name: name!, action: action! })),
  },
  "github_runner.yml": {
    play: () => "Deploy GitHub Runner",
    hosts: () => role("ci-runner"),
    gatherFacts: true,
    tasks: [
      { name: "Check the runner registration inputs", action: "ansible.builtin.assert" },
      { name: "Install packages the runner needs", action: "ansible.builtin.apt" },
      { name: "Create the runner user", action: "ansible.builtin.user", changes: true },
      { name: "Create the runner directory", action: "ansible.builtin.file", changes: true },
      { name: "Download the runner release", action: "ansible.builtin.get_url", changes: true },
      { name: "Unpack the runner", action: "ansible.builtin.unarchive", changes: true },
      { name: "Register the runner", action: "ansible.builtin.command", changes: true },
      { name: "Start the runner service", action: "ansible.builtin.systemd_service", changes: true },
    ],
  },
  "cleanup_ocp.yml": {
    play: (v) => (v.cleanup_action === "restore" ? "Restore OCP folders" : "Delete OCP folders"),
    hosts: () => role("storage"),
    gatherFacts: false,
    tasks: (v) =>
      v.cleanup_action === "restore"
        ? [
          { name: "Validate the request", action: "ansible.builtin.assert" },
          { name: "Inspect the snapshot directory", action: "ansible.builtin.stat" },
          { name: "Copy folders back from the snapshot", action: "ansible.builtin.command", changes: true },
          { name: "Move restored folders into place", action: "ansible.builtin.command", changes: true },
          { name: "Report the restore", action: "ansible.builtin.set_stats" },
        ]
        : [
          { name: "Validate the request", action: "ansible.builtin.assert" },
          { name: "Validate the folders", action: "ansible.builtin.stat" },
          { name: "Delete folders", action: "ansible.builtin.file", changes: true },
          { name: "Report the cleanup", action: "ansible.builtin.set_stats" },
        ],
  },
};

const ORG = { id: 1, name: "Homelab", description: "" };
const PROJECT_ID = 6;
const INVENTORY = { id: 1, name: "Homelab (Nautobot)" };
const INV_SOURCE_ID = 11;
const CREDENTIAL = { id: 3, name: "Homelab SSH", description: "", kind: "ssh", cloud: false };
const EE = { id: 1, name: "Default execution environment", description: "", image: "registry.redhat.io/ansible-automation-platform-25/ee-supported-rhel8:latest" };
const USER = { id: 1, username: "admin", first_name: "", last_name: "" };
const SEEDED = new Date("2024-11-04T09:12:31.118421Z");
const ACTIVE = ["new", "pending", "waiting", "running"];
const UNAUTHENTICATED = "Authentication credentials were not provided. To establish a login session, visit /api/login/.";
const PROMPTED: Record<string, keyof Tpl["ask"]> = { extra_vars: "variables", limit: "limit", job_type: "job_type", inventory: "inventory" };
const OTHER_PROMPTS = ["credentials", "scm_branch", "job_tags", "skip_tags", "verbosity", "diff_mode", "execution_environment", "labels", "forks", "job_slice_count", "timeout", "instance_groups"];

export class FakeAap {
  readonly http = new FakeHttpServer("aap");
  readonly token: string;
  readonly #p: string;
  readonly #stepMs: number;
  readonly #pendingMs: number;
  readonly #opts: FakeAapOptions;
  readonly #failures = new Map<string, FakeAapFailure>();
  readonly #effects = new Map<string, PlaybookEffect>();
  /** Host names in the inventory, as of the last inventory update. */
  #inventory: string[] = LAB_HOSTS.map((h) => h.name);
  #inventorySource: (() => string[]) | undefined;
  readonly #applies = new Map<number, () => void>();
  readonly #failNext = new Map<string, FakeAapFailure[]>();
  readonly #templates: Tpl[];
  readonly #jobs = new Map<number, JobRec>();
  readonly #updates = new Map<number, UpdateRec>();
  readonly #launches: FakeAapLaunch[] = [];
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #abort = new AbortController();
  readonly #project = { status: "successful", revision: "5f2c1b7e9a0d4c3b8e6f1a2d3c4b5a6978695a4b", lastUpdate: 12, lastUpdated: SEEDED };
  readonly #source = { status: "successful", lastUpdate: 13, lastUpdated: SEEDED };
  #nextId = 100;
  #nextEventId = 5000;
  #url = "";

  constructor(opts: FakeAapOptions = {}) {
    this.#opts = opts;
    this.token = opts.token ?? LAB_TOKENS.aap;
    this.#p = normalizePrefix(opts.apiPath ?? "/api/v2/");
    this.#stepMs = opts.stepMs ?? 400;
    this.#pendingMs = opts.pendingMs ?? this.#stepMs;
    for (const [app, spec] of Object.entries(opts.failures ?? {})) this.#failures.set(app, spec);
    for (const [playbook, effect] of Object.entries(opts.effects ?? {})) this.#effects.set(playbook, effect);
    this.#inventorySource = opts.inventorySource;
    const ask = (variables: boolean, limit: boolean, job_type = false) => ({ variables, limit, job_type, inventory: false });
    this.#templates = [
      { id: 7, name: "Master Deploy", playbook: "master_deploy.yml", description: "Deploy any app of Nautobot's app_list", inventory: INVENTORY.id, ask: ask(true, true, true) },
      { id: 8, name: "Setup AAP (Seeder)", playbook: "setup_aap.yml", description: "Seed AAP objects from the repo", inventory: INVENTORY.id, ask: ask(false, false) },
      { id: 9, name: "Deploy GitHub Runner", playbook: "github_runner.yml", description: "Install a self-hosted GitHub Actions runner", inventory: INVENTORY.id, ask: ask(true, true) },
      { id: 10, name: "Cleanup OCP Folders", playbook: "cleanup_ocp.yml", description: "Remove old OpenShift folders from the docker share", inventory: INVENTORY.id, ask: ask(true, true) },
    ];
    const seedUpdate = (id: number, kind: UpdateRec["kind"]): UpdateRec =>
      ({ id, kind, status: "successful", created: SEEDED, started: SEEDED, finished: SEEDED, eventsFinished: true, revision: this.#project.revision });
    this.#updates.set(12, seedUpdate(12, "project_update"));
    this.#updates.set(13, seedUpdate(13, "inventory_update"));
    this.http.guard = (req) => this.#guard(req);
    this.#routes();
  }

  async start(): Promise<string> {
    this.#url = await this.http.listen();
    return this.#url;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.#timers.clear();
    this.#abort.abort();
    await this.http.close();
  }

  get url(): string {
    return this.#url;
  }

  /** Every launch POST that created a job, in order (for exactly-once assertions). */
  launches(): FakeAapLaunch[] {
    return this.#launches.map((l) => ({ ...l, extraVars: { ...l.extraVars } }));
  }

  job(id: number): FakeAapJobView | undefined {
    const j = this.#jobs.get(id);
    if (!j) return undefined;
    return {
      id: j.id, templateName: j.tpl.name, status: j.status, failed: isFailed(j.status), limit: j.limit, jobType: j.jobType,
      extraVars: { ...j.extraVars }, launchType: j.launchType, events: j.events.length, eventProcessingFinished: j.eventsFinished,
    };
  }

  setFailure(app: string, spec: FakeAapFailure): void {
    this.#failures.set(app, spec);
  }

  /** Sets where inventory updates read their hosts from (the lab: the fake Nautobot). */
  setInventorySource(source: () => string[]): void {
    this.#inventorySource = source;
  }

  /** Sets (or with undefined, removes) the effect of a playbook on the simulated lab. */
  setEffect(playbook: string, effect: PlaybookEffect | undefined): void {
    if (effect) this.#effects.set(playbook, effect);
    else this.#effects.delete(playbook);
  }

  clearFailures(): void {
    this.#failures.clear();
    this.#failNext.clear();
  }

  /** The next job launched from this template fails as `spec` says, whatever its app. */
  failNextJob(templateName: string, spec: FakeAapFailure): void {
    const queue = this.#failNext.get(templateName) ?? [];
    queue.push(spec);
    this.#failNext.set(templateName, queue);
  }

  patchTemplate(name: string, patch: FakeAapTemplatePatch): void {
    const t = this.#templates.find((x) => x.name === name);
    if (!t) throw new Error(`no template ${name}`);
    if (patch.inventory !== undefined) t.inventory = patch.inventory;
    if (patch.ask_variables_on_launch !== undefined) t.ask.variables = patch.ask_variables_on_launch;
    if (patch.ask_limit_on_launch !== undefined) t.ask.limit = patch.ask_limit_on_launch;
    if (patch.ask_job_type_on_launch !== undefined) t.ask.job_type = patch.ask_job_type_on_launch;
    if (patch.ask_inventory_on_launch !== undefined) t.ask.inventory = patch.ask_inventory_on_launch;
  }

  // ---- HTTP ---------------------------------------------------------------------------------

  #guard(req: FakeRequest): FakeResponse | undefined {
    if (!req.path.startsWith("/api/")) return undefined;
    if (!req.path.endsWith("/")) {
      // Django's APPEND_SLASH, before authentication.
      const qs = req.query.toString();
      return { status: 301, headers: { location: `${req.path}/${qs ? `?${qs}` : ""}` } };
    }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return { status: 401, body: { detail: UNAUTHENTICATED }, headers: { "www-authenticate": 'Bearer realm="api" authorization_url="/api/o/authorize/"' } };
    }
    return undefined;
  }

  #routes(): void {
    const p = this.#p;
    const h = this.http;
    const byId = <T>(m: Map<number, T> | T[], id: string | undefined): T | undefined => {
      const n = Number(id);
      return Array.isArray(m) ? m.find((x) => (x as { id: number }).id === n) : m.get(n);
    };
    const notFound: FakeResponse = { status: 404, body: { detail: "Not found." } };
    const notAllowed: FakeResponse = { status: 405, body: { detail: 'Method "POST" not allowed.' } };

    h.route("GET", `${p}job_templates/`, (req) => this.#page(req, this.#templates.map((t) => this.#tplBody(t))));
    h.route("GET", `${p}job_templates/:id/`, (_r, a) => {
      const t = byId(this.#templates, a.id);
      return t ? { status: 200, body: this.#tplBody(t) } : notFound;
    });
    h.route("GET", `${p}job_templates/:id/launch/`, (_r, a) => {
      const t = byId(this.#templates, a.id);
      return t ? { status: 200, body: this.#launchInfo(t) } : notFound;
    });
    h.route("POST", `${p}job_templates/:id/launch/`, (req, a) => {
      const t = byId(this.#templates, a.id);
      return t ? this.#launch(t, req) : notFound;
    });

    h.route("GET", `${p}jobs/`, (req) => this.#page(req, [...this.#jobs.values()].map((j) => this.#jobBody(j, true))));
    h.route("GET", `${p}jobs/:id/`, (_r, a) => {
      const j = byId(this.#jobs, a.id);
      return j ? { status: 200, body: this.#jobBody(j) } : notFound;
    });
    h.route("GET", `${p}jobs/:id/job_events/`, (req, a) => {
      const j = byId(this.#jobs, a.id);
      if (!j) return notFound;
      const res = this.#page(req, j.events, ["limit"]);
      return { ...res, headers: { "x-ui-max-events": "4000" } };
    });
    h.route("GET", `${p}jobs/:id/stdout/`, (req, a) => {
      const j = byId(this.#jobs, a.id);
      return j ? stdoutResponse(j, req.query.get("format")) : notFound;
    });
    h.route("GET", `${p}jobs/:id/cancel/`, (_r, a) => {
      const j = byId(this.#jobs, a.id);
      return j ? { status: 200, body: { can_cancel: ACTIVE.includes(j.status) } } : notFound;
    });
    h.route("POST", `${p}jobs/:id/cancel/`, (_r, a) => {
      const j = byId(this.#jobs, a.id);
      if (!j) return notFound;
      if (!ACTIVE.includes(j.status)) return notAllowed;
      j.cancelRequested = true;
      return { status: 202 };
    });
    h.route("POST", `${p}jobs/:id/relaunch/`, (req, a) => {
      const j = byId(this.#jobs, a.id);
      return j ? this.#relaunch(j, req) : notFound;
    });

    h.route("GET", `${p}projects/`, (req) => this.#page(req, [this.#projectBody()]));
    h.route("GET", `${p}projects/:id/`, (_r, a) => (Number(a.id) === PROJECT_ID ? { status: 200, body: this.#projectBody() } : notFound));
    h.route("GET", `${p}projects/:id/update/`, (_r, a) => (Number(a.id) === PROJECT_ID ? { status: 200, body: { can_update: true } } : notFound));
    h.route("POST", `${p}projects/:id/update/`, (_r, a) => (Number(a.id) === PROJECT_ID ? this.#startUpdate("project_update") : notFound));
    h.route("GET", `${p}project_updates/:id/`, (_r, a) => {
      const u = byId(this.#updates, a.id);
      return u?.kind === "project_update" ? { status: 200, body: this.#updateBody(u) } : notFound;
    });

    h.route("GET", `${p}inventory_sources/`, (req) => this.#page(req, [this.#sourceBody()]));
    h.route("GET", `${p}inventory_sources/:id/`, (_r, a) => (Number(a.id) === INV_SOURCE_ID ? { status: 200, body: this.#sourceBody() } : notFound));
    h.route("GET", `${p}inventory_sources/:id/update/`, (_r, a) => (Number(a.id) === INV_SOURCE_ID ? { status: 200, body: { can_update: true } } : notFound));
    h.route("POST", `${p}inventory_sources/:id/update/`, (_r, a) => (Number(a.id) === INV_SOURCE_ID ? this.#startUpdate("inventory_update") : notFound));
    h.route("GET", `${p}inventory_updates/:id/`, (_r, a) => {
      const u = byId(this.#updates, a.id);
      return u?.kind === "inventory_update" ? { status: 200, body: this.#updateBody(u) } : notFound;
    });
  }

  /** The DRF envelope with AWX's filters, ordering and page/page_size (max 200). */
  #page(req: FakeRequest, items: Obj[], notFilters: string[] = []): FakeResponse {
    let rows: Obj[];
    try {
      rows = filterRows(items, req.query, notFilters);
    } catch (err) {
      return { status: 400, body: { detail: (err as Error).message } };
    }
    rows = orderRows(rows, req.query.get("order_by") ?? "id");
    const size = Math.min(200, Math.max(1, Number(req.query.get("page_size") ?? 25) || 25));
    const pageNo = Number(req.query.get("page") ?? 1);
    const pages = Math.max(1, Math.ceil(rows.length / size));
    if (!Number.isInteger(pageNo) || pageNo < 1 || pageNo > pages) return { status: 404, body: { detail: "Invalid page." } };
    const link = (n: number) => {
      const q = new URLSearchParams(req.query);
      if (q.has("page_size")) q.set("page_size", String(size));
      if (n === 1) q.delete("page");
      else q.set("page", String(n));
      const sorted = [...q.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const qs = new URLSearchParams(sorted).toString();
      return `${req.path}${qs ? `?${qs}` : ""}`;
    };
    return {
      status: 200,
      body: {
        count: rows.length,
        next: pageNo < pages ? link(pageNo + 1) : null,
        previous: pageNo > 1 ? link(pageNo - 1) : null,
        results: rows.slice((pageNo - 1) * size, pageNo * size),
      },
    };
  }

  // ---- launch, relaunch, cancel --------------------------------------------------------------

  #launch(t: Tpl, req: FakeRequest): FakeResponse {
    if (typeof req.body === "string") return { status: 400, body: { detail: "JSON parse error - Expecting value: line 1 column 1 (char 0)" } };
    const body = (req.body ?? {}) as Obj;
    // Field validation (JobLaunchSerializer fields) runs before the prompt check drops anything.
    if (body.job_type !== undefined && body.job_type !== "run" && body.job_type !== "check") {
      return { status: 400, body: { job_type: [`"${String(body.job_type)}" is not a valid choice.`] } };
    }
    if (body.inventory !== undefined && body.inventory !== INVENTORY.id) {
      return { status: 400, body: { inventory: [`Invalid pk "${String(body.inventory)}" - object does not exist.`] } };
    }
    const ignored: Obj = {};
    const accepted: Obj = {};
    for (const [k, v] of Object.entries(body)) {
      const ask = PROMPTED[k];
      if (ask ? t.ask[ask] : false) accepted[k] = v;
      else if (ask || OTHER_PROMPTS.includes(k)) ignored[k] = v;
    }
    let extraVars: Obj = {};
    if (accepted.extra_vars !== undefined) {
      const parsed = parseExtraVars(accepted.extra_vars);
      if (typeof parsed === "string") return { status: 400, body: { extra_vars: [parsed] } };
      extraVars = parsed;
    }
    if (ignored.extra_vars !== undefined) {
      const parsed = parseExtraVars(ignored.extra_vars);
      ignored.extra_vars = typeof parsed === "string" ? ignored.extra_vars : parsed;
    }
    const inventory = accepted.inventory ?? t.inventory;
    if (inventory === null) return { status: 400, body: { resources_needed_to_start: ["Job Template inventory is missing or undefined."] } };

    const job = this.#createJob(t, {
      extraVars,
      limit: typeof accepted.limit === "string" ? accepted.limit : "",
      jobType: accepted.job_type === "check" ? "check" : "run",
      launchType: "manual",
    });
    this.#launches.push({ jobId: job.id, templateName: t.name, extraVars: { ...extraVars }, limit: job.limit, jobType: job.jobType });
    return {
      status: 201,
      headers: { location: `${this.#p}jobs/${job.id}/` },
      body: { job: job.id, ignored_fields: ignored, ...this.#jobBody(job) },
    };
  }

  #relaunch(j: JobRec, req: FakeRequest): FakeResponse {
    const hosts = ((req.body ?? {}) as Obj).hosts ?? "all";
    if (hosts !== "all" && hosts !== "failed") return { status: 400, body: { hosts: [`"${String(hosts)}" is not a valid choice.`] } };
    let limit = j.limit;
    if (hosts === "failed") {
      if (ACTIVE.includes(j.status)) return { status: 400, body: { hosts: "Wait until job finishes before retrying on failed hosts." } };
      if (!j.events.some((e) => e.event === "playbook_on_stats")) {
        return { status: 400, body: { hosts: "Cannot retry on failed hosts, playbook stats not available." } };
      }
      const failed = [...j.tally].filter(([, t]) => t.failures > 0 || t.dark > 0).map(([name]) => name);
      if (failed.length === 0) return { status: 400, body: { hosts: "Cannot relaunch because previous job had 0 failed hosts." } };
      limit = failed.join(",");
    }
    const job = this.#createJob(j.tpl, { extraVars: { ...j.extraVars }, limit, jobType: j.jobType, launchType: "relaunch" });
    return { status: 201, headers: { location: `${this.#p}jobs/${job.id}/` }, body: { ...this.#jobBody(job), job: job.id } };
  }

  #createJob(t: Tpl, o: { extraVars: Obj; limit: string; jobType: "run" | "check"; launchType: JobRec["launchType"] }): JobRec {
    const now = new Date();
    const queued = this.#failNext.get(t.name);
    const app = typeof o.extraVars.app === "string" ? o.extraVars.app : undefined;
    const effect = this.#effects.get(t.playbook)?.({ extraVars: o.extraVars, limit: o.limit, jobType: o.jobType });
    const job: JobRec = {
      id: this.#nextId++, tpl: t, ...o, inventory: this.#inventory, status: "pending", created: now, modified: now, eventsFinished: false,
      cancelRequested: false, events: [], lines: 0, tally: new Map(), playCount: 0, taskCount: 0, hostStatusCounts: {},
      failure: queued?.shift() ?? effect?.failure ?? (app ? this.#failures.get(app) : undefined),
    };
    this.#jobs.set(job.id, job);
    if (effect?.apply && o.jobType === "run") this.#applies.set(job.id, effect.apply);
    t.lastJob = job;
    this.#run(job);
    return job;
  }

  // ---- job simulation ------------------------------------------------------------------------

  #later(ms: number, fn: () => void): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #run(job: JobRec): void {
    const steps = playbookSteps(job);
    const tick = () => {
      if (job.cancelRequested) return this.#finish(job, "canceled");
      const r = steps.next();
      if (r.done) return this.#finish(job, [...job.tally.values()].some((t) => t.failures > 0 || t.dark > 0) ? "failed" : "successful");
      for (const e of r.value) {
        if (e.event === "playbook_on_stats") job.heldStats = e;
        else this.#emit(job, e);
      }
      this.#later(this.#stepMs, tick);
    };
    this.#later(this.#pendingMs, () => {
      if (job.cancelRequested) return this.#finish(job, "canceled");
      this.#setStatus(job, "waiting");
      this.#later(this.#stepMs, () => {
        if (job.cancelRequested) return this.#finish(job, "canceled");
        job.started = new Date();
        this.#setStatus(job, "running");
        this.#later(this.#stepMs, tick);
      });
    });
  }

  #setStatus(job: JobRec, status: string): void {
    job.status = status;
    job.modified = new Date();
  }

  /** Terminal status first; the recap event and `event_processing_finished` follow one step later, as on AWX. */
  #finish(job: JobRec, status: string): void {
    job.finished = new Date();
    const apply = this.#applies.get(job.id);
    this.#applies.delete(job.id);
    if (apply && status === "successful") apply();
    this.#setStatus(job, status);
    this.#later(this.#stepMs, () => {
      if (job.heldStats && status !== "canceled") {
        this.#emit(job, job.heldStats);
        job.hostStatusCounts = hostStatusCounts(job.tally);
      }
      job.heldStats = undefined;
      job.eventsFinished = true;
      this.#notify(job);
    });
  }

  #emit(job: JobRec, e: EventInput): void {
    const id = this.#nextEventId++;
    const p = this.#p;
    const now = iso(new Date());
    const lines = e.stdout === "" ? 0 : e.stdout.split("\r\n").length;
    const host = e.host ? hostRef(e.host) : undefined;
    if (e.event === "playbook_on_play_start") job.playCount++;
    if (e.event === "playbook_on_task_start") job.taskCount++;
    const playbook = job.tpl.playbook;
    const { parent_uuid: parent, uuid: ownUuid, ...data } = e.data ?? {};
    const uuid = typeof ownUuid === "string" ? ownUuid : randomUUID();
    job.events.push({
      id, type: "job_event", url: `${p}job_events/${id}/`,
      related: { job: `${p}jobs/${job.id}/`, children: `${p}job_events/${id}/children/`, ...(host?.id ? { host: `${p}hosts/${host.id}/` } : {}) },
      summary_fields: {
        ...(host?.id ? { host: { id: host.id, name: host.name, description: "" } } : {}),
        job: { id: job.id, name: job.tpl.name, description: job.tpl.description, status: job.status, failed: isFailed(job.status), elapsed: elapsed(job), type: "job", job_template_id: job.tpl.id, job_template_name: job.tpl.name },
        role: {},
      },
      created: now, modified: now, job: job.id, event: e.event, counter: job.events.length + 1,
      event_display: eventDisplay(e), event_data: { playbook, ...data, uuid },
      event_level: e.level, failed: e.failed ?? false, changed: e.changed ?? false,
      uuid, parent_uuid: typeof parent === "string" ? parent : "",
      host: host?.id ?? null, host_name: e.host ?? "", playbook, play: e.play ?? "", task: e.task?.name ?? "", role: e.task?.role ?? "",
      stdout: e.stdout, start_line: job.lines, end_line: job.lines + lines, verbosity: 0,
    });
    job.lines += lines;
  }

  /** The AWX webhook notification: flat job_metadata, `extra_vars` a JSON string, `+00:00` timestamps. */
  #notify(job: JobRec): void {
    const url = this.#opts.webhookUrl;
    if (!url || this.#opts.dropWebhooks?.(job.id)) return;
    const hosts: Obj = {};
    for (const [name, t] of job.tally) {
      hosts[name] = { failed: t.failures > 0 || t.dark > 0, changed: t.changed, dark: t.dark, failures: t.failures, ok: t.ok, processed: 1, skipped: t.skipped, rescued: 0, ignored: 0 };
    }
    const body = {
      id: job.id, name: job.tpl.name, url: `${this.#url}/#/jobs/playbook/${job.id}`, created_by: USER.username,
      started: job.started ? pyIso(job.started) : null, finished: job.finished ? pyIso(job.finished) : null,
      status: job.status, traceback: "", inventory: INVENTORY.name, project: "HomeLab Ops", playbook: job.tpl.playbook,
      credential: CREDENTIAL.name, limit: job.limit, extra_vars: pyJson(job.extraVars), hosts,
    };
    void fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": "AWX 24.6.1 (open)", ...this.#opts.webhookHeaders },
      body: JSON.stringify(body),
      signal: this.#abort.signal,
    })
      .then((r) => r.arrayBuffer())
      .catch(() => undefined);
  }

  // ---- project and inventory syncs -----------------------------------------------------------

  #startUpdate(kind: UpdateRec["kind"]): FakeResponse {
    const u: UpdateRec = { id: this.#nextId++, kind, status: "pending", created: new Date(), eventsFinished: false, revision: this.#project.revision };
    this.#updates.set(u.id, u);
    const owner = kind === "project_update" ? this.#project : this.#source;
    owner.lastUpdate = u.id;
    const set = (s: string) => {
      u.status = s;
      owner.status = s;
    };
    set("pending");
    this.#later(this.#pendingMs, () => {
      set("waiting");
      this.#later(this.#stepMs, () => {
        u.started = new Date();
        set("running");
        this.#later(2 * this.#stepMs, () => {
          if (kind === "project_update") this.#project.revision = randomHex(40);
          else if (this.#inventorySource) this.#inventory = [...new Set(this.#inventorySource())].sort();
          u.revision = this.#project.revision;
          u.finished = new Date();
          owner.lastUpdated = u.finished;
          set("successful");
          this.#later(this.#stepMs, () => (u.eventsFinished = true));
        });
      });
    });
    const path = kind === "project_update" ? "project_updates" : "inventory_updates";
    return { status: 202, headers: { location: `${this.#p}${path}/${u.id}/` }, body: { [kind]: u.id, ...this.#updateBody(u) } };
  }

  // ---- serializers ---------------------------------------------------------------------------

  #tplBody(t: Tpl): Obj {
    const p = this.#p;
    const base = `${p}job_templates/${t.id}/`;
    const last = t.lastJob;
    const rel = (k: string) => `${base}${k}/`;
    return {
      id: t.id, type: "job_template", url: base,
      related: {
        named_url: `${p}job_templates/${t.name}++${ORG.name}/`, created_by: `${p}users/1/`, modified_by: `${p}users/1/`,
        labels: rel("labels"), inventory: t.inventory === null ? undefined : `${p}inventories/${t.inventory}/`, project: `${p}projects/${PROJECT_ID}/`,
        credentials: rel("credentials"), ...(last ? { last_job: `${p}jobs/${last.id}/` } : {}), jobs: rel("jobs"), schedules: rel("schedules"),
        activity_stream: rel("activity_stream"), launch: rel("launch"),
        notification_templates_started: rel("notification_templates_started"), notification_templates_success: rel("notification_templates_success"),
        notification_templates_error: rel("notification_templates_error"), access_list: rel("access_list"), survey_spec: rel("survey_spec"),
        object_roles: rel("object_roles"), instance_groups: rel("instance_groups"), slice_workflow_jobs: rel("slice_workflow_jobs"), copy: rel("copy"),
        webhook_receiver: "", webhook_key: rel("webhook_key"),
      },
      summary_fields: {
        organization: ORG,
        inventory: t.inventory === null ? undefined : this.#inventorySummary(),
        execution_environment: EE,
        project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: this.#project.status, scm_type: "git" },
        ...(last ? {
          last_job: { id: last.id, name: t.name, description: t.description, finished: last.finished ? iso(last.finished) : null, status: last.status, failed: isFailed(last.status) },
          last_update: { id: last.id, name: t.name, description: t.description, status: last.status, failed: isFailed(last.status) },
        } : {}),
        created_by: USER, modified_by: USER,
        object_roles: {
          admin_role: { description: "Can manage all aspects of the job template", name: "Admin", id: 24 + 3 * (t.id - 7) },
          execute_role: { description: "May run the job template", name: "Execute", id: 25 + 3 * (t.id - 7) },
          read_role: { description: "May view settings for the job template", name: "Read", id: 26 + 3 * (t.id - 7) },
        },
        user_capabilities: { edit: true, delete: true, start: true, schedule: true, copy: true },
        labels: { count: 0, results: [] },
        recent_jobs: [...this.#jobs.values()].filter((j) => j.tpl === t).slice(-10).reverse()
          .map((j) => ({ id: j.id, status: j.status, finished: j.finished ? iso(j.finished) : null, canceled_on: null, type: "job" })),
        credentials: [{ id: CREDENTIAL.id, name: CREDENTIAL.name, description: "", kind: "ssh", cloud: false }],
        resolved_environment: EE,
      },
      created: iso(SEEDED), modified: iso(SEEDED), name: t.name, description: t.description,
      job_type: "run", inventory: t.inventory, project: PROJECT_ID, playbook: t.playbook, scm_branch: "", forks: 0, limit: "", verbosity: 0,
      extra_vars: "", job_tags: "", force_handlers: false, skip_tags: "", start_at_task: "", timeout: 0, use_fact_cache: false,
      last_job_run: last?.finished ? iso(last.finished) : null, last_job_failed: last ? isFailed(last.status) : false, next_job_run: null,
      status: last ? last.status : "never updated", host_config_key: "",
      ask_scm_branch_on_launch: false, ask_diff_mode_on_launch: false, ask_variables_on_launch: t.ask.variables, ask_limit_on_launch: t.ask.limit,
      ask_tags_on_launch: false, ask_skip_tags_on_launch: false, ask_job_type_on_launch: t.ask.job_type, ask_verbosity_on_launch: false,
      ask_inventory_on_launch: t.ask.inventory, ask_credential_on_launch: false, ask_execution_environment_on_launch: false,
      ask_labels_on_launch: false, ask_forks_on_launch: false, ask_job_slice_count_on_launch: false, ask_timeout_on_launch: false,
      ask_instance_groups_on_launch: false, survey_enabled: false, become_enabled: true, diff_mode: false, allow_simultaneous: false,
      custom_virtualenv: null, job_slice_count: 1, webhook_credential: null, webhook_key: "", webhook_service: "",
      execution_environment: EE.id, prevent_instance_group_fallback: false,
    };
  }

  #launchInfo(t: Tpl): Obj {
    const ask = (k: string) => ({ [`ask_${k}_on_launch`]: false });
    return {
      can_start_without_user_input: t.inventory !== null, passwords_needed_to_start: [], ask_scm_branch_on_launch: false,
      ask_variables_on_launch: t.ask.variables, ask_tags_on_launch: false, ask_diff_mode_on_launch: false, ask_skip_tags_on_launch: false,
      ask_job_type_on_launch: t.ask.job_type, ask_limit_on_launch: t.ask.limit, ask_verbosity_on_launch: false,
      ask_inventory_on_launch: t.ask.inventory, ask_credential_on_launch: false,
      ...ask("execution_environment"), ...ask("labels"), ...ask("forks"), ...ask("job_slice_count"), ...ask("timeout"), ...ask("instance_groups"),
      survey_enabled: false, variables_needed_to_start: [], credential_needed_to_start: false, inventory_needed_to_start: t.inventory === null,
      job_template_data: { name: t.name, id: t.id, description: t.description },
      defaults: {
        extra_vars: "", diff_mode: false, limit: "", job_tags: "", skip_tags: "", job_type: "run", verbosity: 0,
        inventory: t.inventory === null ? { name: null, id: null } : { name: INVENTORY.name, id: INVENTORY.id },
        credentials: [{ id: CREDENTIAL.id, name: CREDENTIAL.name, credential_type: 1, passwords_needed: [] }],
        scm_branch: "", execution_environment: { name: EE.name, id: EE.id }, labels: [], forks: 0, job_slice_count: 1, timeout: 0, instance_groups: [],
      },
    };
  }

  #jobBody(j: JobRec, list = false): Obj {
    const p = this.#p;
    const base = `${p}jobs/${j.id}/`;
    const t = j.tpl;
    const body: Obj = {
      id: j.id, type: "job", url: base,
      related: {
        created_by: `${p}users/1/`, labels: `${base}labels/`, inventory: `${p}inventories/${INVENTORY.id}/`, project: `${p}projects/${PROJECT_ID}/`,
        credentials: `${base}credentials/`, unified_job_template: `${p}job_templates/${t.id}/`, stdout: `${base}stdout/`,
        job_events: `${base}job_events/`, job_host_summaries: `${base}job_host_summaries/`, activity_stream: `${base}activity_stream/`,
        notifications: `${base}notifications/`, create_schedule: `${base}create_schedule/`, job_template: `${p}job_templates/${t.id}/`,
        cancel: `${base}cancel/`, project_update: `${p}project_updates/${this.#project.lastUpdate}/`, relaunch: `${base}relaunch/`,
      },
      summary_fields: {
        organization: ORG,
        inventory: this.#inventorySummary(),
        execution_environment: EE,
        project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: this.#project.status, scm_type: "git" },
        project_update: { id: this.#project.lastUpdate, name: "HomeLab Ops", description: "", status: "successful", failed: false },
        job_template: { id: t.id, name: t.name, description: t.description },
        unified_job_template: { id: t.id, name: t.name, description: t.description, unified_job_type: "job" },
        instance_group: { id: 1, name: "default", is_container_group: false },
        created_by: USER,
        user_capabilities: { delete: !ACTIVE.includes(j.status), start: true },
        labels: { count: 0, results: [] },
        credentials: [CREDENTIAL],
      },
      created: iso(j.created), modified: iso(j.modified), name: t.name, description: t.description,
      job_type: j.jobType, inventory: INVENTORY.id, project: PROJECT_ID, playbook: t.playbook, scm_branch: "", forks: 0,
      limit: j.limit, verbosity: 0, extra_vars: pyJson(j.extraVars), job_tags: "", force_handlers: false, skip_tags: "",
      start_at_task: "", timeout: 0, use_fact_cache: false, unified_job_template: t.id, launch_type: j.launchType,
      status: j.status, failed: isFailed(j.status), started: j.started ? iso(j.started) : null, finished: j.finished ? iso(j.finished) : null,
      canceled_on: j.status === "canceled" && j.finished ? iso(j.finished) : null, elapsed: elapsed(j),
      job_args: JSON.stringify(["ansible-playbook", "-u", "ansible", "-i", "/runner/inventory", "-e", "@/runner/env/extravars", t.playbook]),
      job_cwd: "/runner/project", job_env: { JOB_ID: String(j.id), INVENTORY_ID: String(INVENTORY.id), PROJECT_REVISION: this.#project.revision, ANSIBLE_FORCE_COLOR: "True" },
      job_explanation: "", execution_node: "aap01", controller_node: "aap01", result_traceback: "",
      event_processing_finished: j.eventsFinished, launched_by: { id: USER.id, name: USER.username, type: "user", url: `${p}users/1/` },
      work_unit_id: null, job_template: t.id, passwords_needed_to_start: [], allow_simultaneous: false, artifacts: {},
      scm_revision: this.#project.revision, instance_group: 1, diff_mode: false, job_slice_number: 0, job_slice_count: 1, webhook_service: "",
      webhook_credential: null, webhook_guid: "", host_status_counts: j.hostStatusCounts,
      playbook_counts: { play_count: j.playCount, task_count: j.taskCount }, custom_virtualenv: null, execution_environment: EE.id,
    };
    // The list serializer (UnifiedJobListSerializer) leaves out the heavy fields.
    if (list) for (const k of ["job_args", "job_cwd", "job_env", "result_traceback", "event_processing_finished", "artifacts"]) delete body[k];
    return body;
  }

  #inventorySummary(): Obj {
    return {
      id: INVENTORY.id, name: INVENTORY.name, description: "Hosts from Nautobot", has_active_failures: false, total_hosts: LAB_HOSTS.length,
      hosts_with_active_failures: 0, total_groups: 0, has_inventory_sources: true, total_inventory_sources: 1,
      inventory_sources_with_failures: 0, organization_id: ORG.id, kind: "",
    };
  }

  #projectBody(): Obj {
    const p = this.#p;
    const base = `${p}projects/${PROJECT_ID}/`;
    const pr = this.#project;
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

  #sourceBody(): Obj {
    const p = this.#p;
    const base = `${p}inventory_sources/${INV_SOURCE_ID}/`;
    const s = this.#source;
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
        organization: ORG, inventory: this.#inventorySummary(), execution_environment: EE,
        source_project: { id: PROJECT_ID, name: "HomeLab Ops", description: "", status: this.#project.status, scm_type: "git" },
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

  #updateBody(u: UpdateRec): Obj {
    const p = this.#p;
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
            source_project_update: this.#project.lastUpdate, instance_group: 1, scm_revision: u.revision }),
      execution_environment: EE.id,
    };
  }
}

// ---- the playbook run as event batches ---------------------------------------------------------

/** Yields one batch of events per step: play start, then per task its start and its host results, then the recap. */
function* playbookSteps(job: JobRec): Generator<EventInput[], void> {
  const pb = PLAYBOOKS[job.tpl.playbook] ?? PLAYBOOKS["setup_aap.yml"]!;
  const playbookUuid = randomUUID();
  const playName = pb.play(job.extraVars);
  const playUuid = randomUUID();
  const hosts = selectHosts(pb.hosts(), job.limit, job.inventory);
  const playData = { playbook_uuid: playbookUuid, play: playName, play_uuid: playUuid, play_pattern: "all" };
  const first: EventInput[] = [
    { event: "playbook_on_start", level: 0, stdout: "", data: { playbook_uuid: playbookUuid, uuid: playbookUuid } },
    { event: "playbook_on_play_start", level: 1, play: playName, stdout: `\r\nPLAY [${playName}] ${stars(`PLAY [${playName}] `)}`,
      data: { ...playData, name: playName, pattern: "all", uuid: playUuid, parent_uuid: playbookUuid } },
  ];
  if (hosts.length === 0) {
    first.push({ event: "playbook_on_no_hosts_matched", level: 2, play: playName, stdout: "\u001b[1;35mskipping: no hosts matched\u001b[0m", data: { ...playData, parent_uuid: playUuid } });
  }
  yield first;
  const own = typeof pb.tasks === "function" ? pb.tasks(job.extraVars) : pb.tasks;
  const tasks: TaskSpec[] = pb.gatherFacts ? [{ name: "Gathering Facts", action: "gather_facts" }, ...own] : own;
  const alive = new Set(hosts);
  for (const h of hosts) job.tally.set(h, { ok: 0, changed: 0, failures: 0, dark: 0, skipped: 0 });
  for (const [i, task] of tasks.entries()) {
    if (alive.size === 0) break;
    const label = task.role ? `${task.role} : ${task.name}` : task.name;
    const taskUuid = randomUUID();
    const taskData = { ...playData, task: task.name, task_uuid: taskUuid, task_action: task.action, task_args: "", task_path: `/runner/project/${task.role ? `roles/${task.role}/tasks/main.yml` : job.tpl.playbook}:${4 + 6 * i}`, resolved_action: task.action };
    const startBatch: EventInput[] = [
      { event: "playbook_on_task_start", level: 2, play: playName, task, stdout: `\r\nTASK [${label}] ${stars(`TASK [${label}] `)}`,
        data: { ...taskData, name: label, is_conditional: false, uuid: taskUuid, parent_uuid: playUuid } },
      ...[...alive].map((h): EventInput => ({ event: "runner_on_start", level: 3, play: playName, task, host: h, stdout: "", data: { ...taskData, host: h, parent_uuid: taskUuid } })),
    ];
    yield startBatch;
    const results: EventInput[] = [];
    for (const h of [...alive]) results.push(hostResult(job, task, label, h, taskData, taskUuid, playName, alive));
    if (alive.size === 0) results.push({ event: "playbook_on_no_hosts_remaining", level: 2, play: playName, stdout: "\r\nNO MORE HOSTS LEFT " + stars("NO MORE HOSTS LEFT "), data: { ...playData, parent_uuid: playUuid } });
    yield results;
  }
  yield [statsEvent(job, playbookUuid)];
}

function hostResult(job: JobRec, task: TaskSpec, label: string, h: string, taskData: Obj, taskUuid: string, play: string, alive: Set<string>): EventInput {
  const t = job.tally.get(h)!;
  const f = job.failure;
  const failsHere = f && (!f.host || f.host === h) && [task.name, label].some((n) => n.toLowerCase() === f.task.toLowerCase());
  const base = { level: 3, play, task, host: h, data: { ...taskData, host: h, parent_uuid: taskUuid, start: iso(new Date()), end: iso(new Date()), duration: 0.4, event_loop: null } };
  if (failsHere) {
    t.failures++;
    alive.delete(h);
    const res = { changed: false, msg: f.msg, _ansible_no_log: false };
    return { ...base, event: "runner_on_failed", failed: true, data: { ...base.data, res, ignore_errors: null },
      stdout: `\u001b[0;31mfatal: [${h}]: FAILED! => ${pyJson(res)}\u001b[0m` };
  }
  const changed = !!task.changes && job.jobType !== "check";
  t.ok++;
  if (changed) t.changed++;
  const res = { changed, ...(task.msg ? { msg: task.msg } : {}), _ansible_no_log: false };
  return { ...base, event: "runner_on_ok", changed, data: { ...base.data, res },
    stdout: changed ? `\u001b[0;33mchanged: [${h}]\u001b[0m` : `\u001b[0;32mok: [${h}]\u001b[0m` };
}

function statsEvent(job: JobRec, playbookUuid: string): EventInput {
  const map = (k: keyof Tally) => Object.fromEntries([...job.tally].filter(([, t]) => t[k] > 0).map(([h, t]) => [h, t[k]]));
  const recap = [...job.tally].map(([h, t]) =>
    `${h.padEnd(26)} : ok=${String(t.ok).padEnd(4)} changed=${String(t.changed).padEnd(4)} unreachable=${String(t.dark).padEnd(4)} failed=${String(t.failures).padEnd(4)} skipped=${String(t.skipped).padEnd(4)} rescued=0    ignored=0   `);
  return {
    event: "playbook_on_stats", level: 1,
    stdout: `\r\nPLAY RECAP ${stars("PLAY RECAP ")}\r\n${recap.join("\r\n")}${recap.length ? "\r\n" : ""}`,
    data: {
      playbook_uuid: playbookUuid, changed: map("changed"), dark: map("dark"), failures: map("failures"), ignored: {}, ok: map("ok"),
      processed: Object.fromEntries([...job.tally.keys()].map((h) => [h, 1])), rescued: {}, skipped: map("skipped"), artifact_data: {},
      parent_uuid: playbookUuid,
    },
  };
}

/** Ansible's `--limit`: comma/colon separated inventory host names; empty or `all` means the play's default hosts. */
function selectHosts(playHosts: string[], limit: string, inventory: string[]): string[] {
  const wanted = limit.split(/[,:]/).map((s) => s.trim()).filter(Boolean);
  if (wanted.length === 0 || wanted.includes("all")) return playHosts;
  const known = new Set([...inventory, "localhost"]);
  return [...new Set(wanted)].filter((h) => known.has(h));
}

function hostStatusCounts(tally: Map<string, Tally>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tally.values()) {
    const k = t.failures > 0 ? "failures" : t.dark > 0 ? "dark" : t.changed > 0 ? "changed" : t.ok > 0 ? "ok" : "skipped";
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

function eventDisplay(e: EventInput): string {
  switch (e.event) {
    case "playbook_on_start": return "Playbook Started";
    case "playbook_on_play_start": return `Play Started (${e.play ?? ""})`;
    case "playbook_on_task_start": return `Task Started (${e.task?.role ? `${e.task.role} : ` : ""}${e.task?.name ?? ""})`;
    case "runner_on_start": return "Host Started";
    case "runner_on_ok": return "Host OK";
    case "runner_on_failed": return "Host Failed";
    case "playbook_on_no_hosts_matched": return "No Hosts Matched";
    case "playbook_on_no_hosts_remaining": return "No Hosts Remaining";
    case "playbook_on_stats": return "Playbook Complete";
    default: return e.event;
  }
}

function hostRef(name: string): { id: number | undefined; name: string } {
  const i = LAB_HOSTS.findIndex((h) => h.name === name);
  return { id: i < 0 ? undefined : i + 1, name };
}

function stdoutResponse(j: JobRec, format: string | null): FakeResponse {
  const ansi = j.events.map((e) => e.stdout as string).filter((s) => s !== "").join("\r\n");
  if (!ansi) return { status: 200, text: "Waiting for results...", contentType: "text/plain; charset=utf-8" };
  if (format === "ansi") return { status: 200, text: ansi, contentType: "text/plain; charset=utf-8" };
  // eslint-disable-next-line no-control-regex
  const txt = ansi.replace(/\u001b\[[0-9;]*m/g, "").replace(/\r\n/g, "\n");
  if (format === "json") return { status: 200, body: { range: { start: 0, end: j.lines, absolute_end: j.lines }, content: txt } };
  return { status: 200, text: txt, contentType: "text/plain; charset=utf-8" };
}

// ---- lists: filters and ordering ---------------------------------------------------------------

const NOT_FILTERS = new Set(["page", "page_size", "order_by", "format", "count_disabled", "search"]);
const LOOKUPS = new Set(["exact", "iexact", "contains", "icontains", "gt", "gte", "lt", "lte", "in", "isnull", "startswith", "istartswith"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Django-style field lookups on the serialized rows; `fk__name` looks in `summary_fields`. */
function filterRows(rows: Obj[], query: URLSearchParams, skip: string[]): Obj[] {
  let out = rows;
  for (const [key, raw] of query) {
    if (NOT_FILTERS.has(key) || skip.includes(key)) continue;
    const parts = key.split("__");
    const lookup = parts.length > 1 && LOOKUPS.has(parts[parts.length - 1]!) ? parts.pop()! : "exact";
    const sample = rows[0];
    if (sample && !(parts[0]! in sample)) {
      throw new Error(`Cannot resolve keyword '${parts[0]}' into field. Choices are: ${Object.keys(sample).sort().join(", ")}`);
    }
    out = out.filter((r) => matches(fieldValue(r, parts), lookup, raw));
  }
  return out;
}

function fieldValue(row: Obj, parts: string[]): unknown {
  const [first, second] = parts;
  if (second === undefined) return row[first!];
  const summary = (row.summary_fields ?? {}) as Record<string, Obj | undefined>;
  return summary[first!]?.[second];
}

function matches(v: unknown, lookup: string, raw: string): boolean {
  const s = v === null || v === undefined ? "" : String(v);
  switch (lookup) {
    case "exact": return v === null ? raw === "" || raw.toLowerCase() === "null" : s === raw || (typeof v === "boolean" && String(v) === raw.toLowerCase());
    case "iexact": return s.toLowerCase() === raw.toLowerCase();
    case "contains": return s.includes(raw);
    case "icontains": return s.toLowerCase().includes(raw.toLowerCase());
    case "startswith": return s.startsWith(raw);
    case "istartswith": return s.toLowerCase().startsWith(raw.toLowerCase());
    case "in": return raw.split(",").includes(s);
    case "isnull": return (v === null || v === undefined) === (raw.toLowerCase() === "true");
    default: {
      if (v === null || v === undefined) return false;
      const c = compare(v, raw);
      return lookup === "gt" ? c > 0 : lookup === "gte" ? c >= 0 : lookup === "lt" ? c < 0 : c <= 0;
    }
  }
}

function compare(v: unknown, raw: unknown): number {
  if (typeof v === "number") return v - Number(raw);
  const a = String(v);
  const b = String(raw);
  if (ISO.test(a) && ISO.test(b)) return isoMicros(a) - isoMicros(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

function orderRows(rows: Obj[], orderBy: string): Obj[] {
  const keys = orderBy.split(",").filter(Boolean).map((k) => (k.startsWith("-") ? { k: k.slice(1), dir: -1 } : { k, dir: 1 }));
  return [...rows].sort((x, y) => {
    for (const { k, dir } of keys) {
      const a = x[k];
      const b = y[k];
      if (a === b) continue;
      if (a === null || a === undefined) return -dir;
      if (b === null || b === undefined) return dir;
      return compare(a, b) * dir;
    }
    return 0;
  });
}

// ---- small helpers -----------------------------------------------------------------------------

function normalizePrefix(p: string): string {
  return `/${p.replace(/^\/+|\/+$/g, "")}/`;
}

function isFailed(status: string): boolean {
  return status === "failed" || status === "error" || status === "canceled";
}

function elapsed(j: JobRec): number {
  if (!j.started || !j.finished) return 0;
  return round3((j.finished.getTime() - j.started.getTime()) / 1000);
}

function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

let micro = 0;
/** Django REST timestamps: microseconds and `Z`. */
function iso(d: Date): string {
  micro = (micro + 137) % 1000;
  return `${d.toISOString().slice(0, 23)}${String(micro).padStart(3, "0")}Z`;
}

/** Python isoformat of an aware UTC datetime, as the notification body carries it. */
function pyIso(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000+00:00`;
}

/** Microseconds since the epoch from an ISO string, so `...123456Z` and `...123Z` compare correctly. */
function isoMicros(s: string): number {
  const frac = /\.(\d+)/.exec(s)?.[1] ?? "";
  return Date.parse(s.replace(/\.\d+/, "")) * 1000 + Number(frac.padEnd(6, "0").slice(0, 6));
}

/** Python's json.dumps spacing (`{"a": 1, "b": 2}`), as AWX stores and sends `extra_vars`. */
function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(", ")}}`;
  return JSON.stringify(v) ?? "null";
}

function parseExtraVars(v: unknown): Obj | string {
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Obj;
  if (typeof v === "string") {
    if (v.trim() === "") return {};
    try {
      const parsed: unknown = JSON.parse(v);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Obj;
    } catch {
      // AWX would also try YAML; the fake accepts JSON strings and objects only.
    }
    return `Cannot parse as JSON (error: Expecting value) or YAML (error: Input type \`${typeof v}\` is not a dictionary).`;
  }
  return `Input type \`${Array.isArray(v) ? "list" : typeof v}\` is not a dictionary`;
}

function stars(prefix: string): string {
  return "*".repeat(Math.max(3, 79 - prefix.length));
}

function randomHex(n: number): string {
  return Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
}
