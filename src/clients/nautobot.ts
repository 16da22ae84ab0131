import type { AxiosResponse } from "axios";
import { z } from "zod";
import { ApiError, UserError } from "../errors.ts";
import { HttpApi, type ApiRequest } from "./http.ts";
import { nautobotVersion, type SystemVersion } from "./system-version.ts";
import {
  appEntrySchema,
  configContextSchema,
  createdSchema,
  deviceSchema,
  gitRepositorySchema,
  JOB_TERMINAL,
  jobLogEntrySchema,
  jobResultSchema,
  namedSchema,
  pageSchema,
  serviceSchema,
  syncResponseSchema,
  virtualMachineSchema,
  type AppEntry,
  type ConfigContext,
  type Device,
  type GitRepository,
  type JobLogEntry,
  type JobResult,
  type VirtualMachine,
} from "./nautobot-schemas.ts";
import { sleep } from "../sleep.ts";

export interface NautobotClientOptions {
  /** Origin of the Nautobot server, e.g. `https://nautobot.lab.home.arpa`. */
  url: string;
  /** API token (40 hex characters); sent as `Authorization: Token <token>`, never logged. */
  token: string;
  timeoutMs?: number | undefined;
  caPem?: string | undefined;
  onError?: ((err: ApiError) => void) | undefined;
}

export type HostKind = "device" | "virtual-machine";
type Opts = { signal?: AbortSignal | undefined };

/** A device or VM with its rendered config context. `primaryIp` is the address without its prefix length. */
export interface NautobotHost {
  kind: HostKind;
  id: string;
  name: string;
  primaryIp?: string | undefined;
  role?: string | undefined;
  configContext: Record<string, unknown>;
}
export type HostSummary = Omit<NautobotHost, "configContext">;

export interface WaitOptions extends Opts {
  /** Poll interval in ms (default 1000). */
  intervalMs?: number | undefined;
  /** Give up after this many ms (default 600 000) with UserError `nautobot_job_timeout`. */
  timeoutMs?: number | undefined;
  onPoll?: ((r: JobResult) => void) | undefined;
}

export interface JobOutcome {
  result: JobResult;
  logs: JobLogEntry[];
  /** Log entries at level error, critical or failure: a Git sync can end SUCCESS with some. */
  errors: JobLogEntry[];
}

const PATHS = { device: "dcim/devices/", "virtual-machine": "virtualization/virtual-machines/" } as const;
const ERROR_LEVELS = new Set(["error", "critical", "failure"]);
const GIT_OWNER = "extras.gitrepository";
const SYNC_JOB_NAME = "Git Repository: Sync";
/** Job results created this long before the sync POST still count: the two clocks may differ a little. */
const SYNC_CLOCK_SKEW_MS = 60_000;

/**
 * Client for Nautobot 2.0–2.4 and 3.x REST APIs. Every response is zod-parsed. The API version is pinned to
 * the server's own (read from `status/` on first use): Nautobot accepts only the minors of its running major,
 * so a fixed `version=2.4` would be refused (406) by 2.0–2.3 and by 3.x.
 */
export class NautobotClient {
  readonly #api: HttpApi;
  /** Shared with #api, which reads it on every request: `Accept` gains `version=` once detected. */
  readonly #headers: Record<string, string>;
  #detected: Promise<SystemVersion> | undefined;

  constructor(opts: NautobotClientOptions) {
    this.#headers = { Authorization: `Token ${opts.token}`, Accept: "application/json" };
    this.#api = new HttpApi({
      service: "nautobot",
      baseUrl: new URL("/api/", opts.url).toString(),
      headers: this.#headers,
      timeoutMs: opts.timeoutMs,
      caPem: opts.caPem,
      onError: opts.onError,
      reasonOf: nautobotReason,
    });
  }

  /**
   * GET status/ without a version pin: `API-Version` (the server's latest API version) and `nautobot-version`.
   * Pins every later request to that API version. Memoized; a failure is retried on the next call.
   */
  detectVersion(o: Opts = {}): Promise<SystemVersion> {
    this.#detected ??= (async () => {
      const res = await this.#api.send({ method: "GET", path: "status/", headers: { Accept: "application/json" }, signal: o.signal });
      const header = typeof res.headers["api-version"] === "string" ? res.headers["api-version"] : "";
      const body = z.looseObject({ "nautobot-version": z.string().optional() }).safeParse(res.data);
      const release = (body.success ? body.data["nautobot-version"] : undefined) ?? header;
      const v = nautobotVersion(release);
      if (/^\d+\.\d+$/.test(header)) this.#headers.Accept = `application/json; version=${header}`;
      return v;
    })().catch((err: unknown) => {
      this.#detected = undefined;
      throw err;
    });
    return this.#detected;
  }

  /** Every request goes through here: the version is pinned first (a failed detection leaves it unpinned). */
  async #call<S extends z.ZodType>(req: ApiRequest, schema: S): Promise<z.output<S>> {
    if (!this.#headers.Accept!.includes("version=")) await this.detectVersion({ signal: req.signal }).catch(() => undefined);
    return this.#api.call(req, schema);
  }

  /** GET dcim/devices/?name=&include=config_context&depth=1. Undefined when absent; UserError when ambiguous. */
  async getDevice(name: string, o: Opts = {}): Promise<Device | undefined> {
    return this.#one(PATHS.device, deviceSchema, name, "device", o);
  }

  /** GET virtualization/virtual-machines/?name=&include=config_context&depth=1. Undefined when absent. */
  async getVirtualMachine(name: string, o: Opts = {}): Promise<VirtualMachine | undefined> {
    return this.#one(PATHS["virtual-machine"], virtualMachineSchema, name, "virtual machine", o);
  }

  /** Looks a host up as a device first, then as a VM; read-only. */
  async findHost(name: string, o: Opts = {}): Promise<NautobotHost | undefined> {
    const device = await this.getDevice(name, o);
    if (device) return { ...summary("device", device), configContext: device.config_context ?? {} };
    const vm = await this.getVirtualMachine(name, o);
    if (vm) return { ...summary("virtual-machine", vm), configContext: vm.config_context ?? {} };
    return undefined;
  }

  /** Every device and VM (all pages of both lists, depth=1); read-only. `pageSize` is the `limit` per request. */
  async listHosts(o: Opts & { pageSize?: number | undefined } = {}): Promise<HostSummary[]> {
    const params = { depth: 1, limit: o.pageSize ?? 200 };
    const devices = await this.#all(PATHS.device, deviceSchema, params, o);
    const vms = await this.#all(PATHS["virtual-machine"], virtualMachineSchema, params, o);
    return [...devices.map((d) => summary("device", d)), ...vms.map((v) => summary("virtual-machine", v))];
  }

  /** GET extras/config-contexts/?name=&depth=1 (owner with its name). Undefined when absent. */
  async getConfigContext(name: string, o: Opts = {}): Promise<ConfigContext | undefined> {
    return this.#one("extras/config-contexts/", configContextSchema, name, "config context", o, false);
  }

  /**
   * PATCH extras/config-contexts/{id}/ with `{data}` (replaces the whole data dict; idempotent). Refuses a
   * Git-owned context unless `force`: Nautobot allows the PATCH but the next Git sync silently reverts it.
   */
  async patchConfigContext(
    id: string,
    data: Record<string, unknown>,
    o: Opts & { force?: boolean | undefined } = {},
  ): Promise<ConfigContext> {
    const path = `extras/config-contexts/${encodeURIComponent(id)}/`;
    if (!o.force) {
      const current = await this.#call({ method: "GET", path, params: { depth: 1 }, signal: o.signal }, configContextSchema);
      if (current.owner_content_type === GIT_OWNER) {
        const repo = current.owner?.name ?? current.owner?.display ?? "its Git repository";
        throw new UserError(
          "nautobot_context_git_owned",
          `Config context \`${current.name}\` is managed by the Git repository \`${repo}\`: change the file in Git and sync, ` +
            "because a direct edit is overwritten by the next sync.",
        );
      }
    }
    return this.#call({ method: "PATCH", path, data: { data }, signal: o.signal }, configContextSchema);
  }

  /** GET extras/git-repositories/?name=. Undefined when absent. */
  async getGitRepository(name: string, o: Opts = {}): Promise<GitRepository | undefined> {
    return this.#one("extras/git-repositories/", gitRepositorySchema, name, "Git repository", o, false);
  }

  /**
   * POST extras/git-repositories/{id}/sync/ (no body): queues a sync job and returns its JobResult (200).
   * Not idempotent (each call queues a job). 503 without a Celery worker becomes an ApiError.
   */
  async syncGitRepository(id: string, o: Opts = {}): Promise<JobResult> {
    const path = `extras/git-repositories/${encodeURIComponent(id)}/sync/`;
    const since = new Date(Date.now() - SYNC_CLOCK_SKEW_MS).toISOString();
    const res = await this.#call({ method: "POST", path, signal: o.signal }, syncResponseSchema);
    return res.job_result ?? this.#findSyncResult(id, since, o);
  }

  /**
   * Before 2.4.2 the sync answer has no `job_result`: the newest "Git Repository: Sync" JobResult created since
   * just before the POST whose `task_kwargs.repository` is this repository (the sync job's model is found by its
   * class path). A UserError if Nautobot shows none after a few tries.
   */
  async #findSyncResult(repoId: string, since: string, o: Opts): Promise<JobResult> {
    const job = await this.#call({ method: "GET", path: "extras/jobs/", params: { name: SYNC_JOB_NAME }, signal: o.signal }, pageSchema(z.looseObject({ id: z.string() })));
    const params: Record<string, string | number> = { date_created__gte: since, limit: 50 };
    if (job.results[0]) params.job_model = job.results[0].id;
    for (let attempt = 0; attempt < 5; attempt++) {
      const page = await this.#call({ method: "GET", path: "extras/job-results/", params, signal: o.signal }, pageSchema(jobResultSchema));
      const mine = page.results.filter((r) => {
        const repo = (r.task_kwargs as Record<string, unknown> | undefined)?.repository;
        return repo === undefined || repo === repoId;
      });
      if (mine[0]) return mine[0]; // job results are listed newest first
      await sleep(200 * (attempt + 1), o.signal);
    }
    throw new UserError("nautobot_sync_result_missing", "Nautobot queued the Git sync but shows no job result for it; look at Jobs > Job Results in Nautobot.");
  }

  /** GET extras/job-results/{id}/. */
  async getJobResult(id: string, o: Opts = {}): Promise<JobResult> {
    const path = `extras/job-results/${encodeURIComponent(id)}/`;
    return this.#call({ method: "GET", path, signal: o.signal }, jobResultSchema);
  }

  /** GET extras/job-results/{id}/logs/ (an unpaginated list, oldest first). */
  async jobResultLogs(id: string, o: Opts = {}): Promise<JobLogEntry[]> {
    const path = `extras/job-results/${encodeURIComponent(id)}/logs/`;
    return this.#call({ method: "GET", path, signal: o.signal }, z.array(jobLogEntrySchema));
  }

  /** Polls a JobResult until SUCCESS, FAILURE or REVOKED, then reads its logs. Error-level logs are collected. */
  async waitForJobResult(id: string, o: WaitOptions = {}): Promise<JobOutcome> {
    const interval = o.intervalMs ?? 1_000;
    const deadline = Date.now() + (o.timeoutMs ?? 600_000);
    for (;;) {
      const result = await this.getJobResult(id, o);
      o.onPoll?.(result);
      if ((JOB_TERMINAL as readonly string[]).includes(result.status.value)) {
        const logs = await this.jobResultLogs(id, o);
        return { result, logs, errors: logs.filter((l) => ERROR_LEVELS.has(l.log_level)) };
      }
      if (Date.now() + interval > deadline) {
        throw new UserError(
          "nautobot_job_timeout",
          `Nautobot job ${id} is still ${result.status.value} after ${Math.round((o.timeoutMs ?? 600_000) / 1000)} s.`,
        );
      }
      await sleep(interval, o.signal);
    }
  }

  /** GET ipam/services/?device=<id> (or virtual_machine=<id>), all pages; read-only. */
  async listServices(
    hostId: string,
    kind: HostKind,
    o: Opts = {},
  ): Promise<{ id: string; name: string; protocol: string; ports: number[] }[]> {
    const filter = kind === "device" ? "device" : "virtual_machine";
    const services = await this.#all("ipam/services/", serviceSchema, { [filter]: hostId, limit: 500 }, o);
    return services.map((s) => ({ id: s.id, name: s.name, protocol: s.protocol?.value ?? "", ports: s.ports }));
  }

  /** POST ipam/services/ on a device or VM. Not idempotent: Nautobot refuses a second service of that name there (400). */
  async createService(
    s: { hostId: string; kind: HostKind; name: string; protocol: "tcp" | "udp" | "sctp"; ports: number[]; description?: string | undefined },
    o: Opts = {},
  ): Promise<{ id: string }> {
    const data = {
      [s.kind === "device" ? "device" : "virtual_machine"]: s.hostId,
      name: s.name, protocol: s.protocol, ports: s.ports, description: s.description ?? "",
    };
    const res = await this.#call({ method: "POST", path: "ipam/services/", data, signal: o.signal }, createdSchema);
    return { id: res.id };
  }

  /** PATCH ipam/services/{id}/ with its protocol and ports (idempotent). */
  async updateService(id: string, s: { protocol: "tcp" | "udp" | "sctp"; ports: number[] }, o: Opts = {}): Promise<void> {
    await this.#call({ method: "PATCH", path: `ipam/services/${encodeURIComponent(id)}/`, data: s, signal: o.signal }, serviceSchema);
  }

  /** DELETE ipam/services/{id}/ (204). */
  async deleteService(id: string, o: Opts = {}): Promise<void> {
    await this.#call({ method: "DELETE", path: `ipam/services/${encodeURIComponent(id)}/`, signal: o.signal }, z.unknown());
  }

  /** POST extras/journal-entries/: adds a journal entry to a device or VM. Not idempotent. */
  async createJournalEntry(
    entry: {
      objectType: "dcim.device" | "virtualization.virtualmachine";
      objectId: string;
      kind: "info" | "success" | "warning" | "danger";
      comments: string;
    },
    o: Opts = {},
  ): Promise<{ id: string }> {
    const data = {
      assigned_object_type: entry.objectType,
      assigned_object_id: entry.objectId,
      kind: entry.kind,
      comments: entry.comments,
    };
    const res = await this.#call({ method: "POST", path: "extras/journal-entries/", data, signal: o.signal }, createdSchema);
    return { id: res.id };
  }

  /**
   * POST virtualization/virtual-machines/ after resolving cluster, status (default "Active") and role by name.
   * Not idempotent: Nautobot answers 400 for a name already in the cluster. Memory in MB, disk in GB.
   */
  async createVirtualMachine(
    vm: {
      name: string;
      cluster: string;
      role?: string | undefined;
      status?: string | undefined;
      vcpus?: number | undefined;
      memory?: number | undefined;
      disk?: number | undefined;
      comments?: string | undefined;
    },
    o: Opts = {},
  ): Promise<{ id: string; name: string }> {
    const cluster = await this.#idByName("virtualization/clusters/", "cluster", vm.cluster, o);
    const status = await this.#idByName("extras/statuses/", "status", vm.status ?? "Active", o);
    const role = vm.role === undefined ? undefined : await this.#idByName("extras/roles/", "role", vm.role, o);
    const data = {
      name: vm.name,
      cluster,
      status,
      ...(role ? { role } : {}),
      ...(vm.vcpus !== undefined ? { vcpus: vm.vcpus } : {}),
      ...(vm.memory !== undefined ? { memory: vm.memory } : {}),
      ...(vm.disk !== undefined ? { disk: vm.disk } : {}),
      ...(vm.comments !== undefined ? { comments: vm.comments } : {}),
    };
    const path = PATHS["virtual-machine"];
    const res = await this.#call({ method: "POST", path, data, signal: o.signal }, createdSchema);
    return { id: res.id, name: res.name ?? vm.name };
  }

  /** Reads the `app_list` config context and validates each app. UserError when missing or malformed. */
  async appList(o: Opts = {}): Promise<{ context: ConfigContext; apps: Record<string, AppEntry> }> {
    const context = await this.getConfigContext("app_list", o);
    if (!context) throw new UserError("nautobot_app_list_missing", "Nautobot has no `app_list` config context.");
    const raw = context.data.app_list;
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
      throw new UserError("nautobot_app_list_invalid", "The `app_list` config context has no `app_list` mapping.");
    }
    const apps: Record<string, AppEntry> = {};
    for (const [name, value] of Object.entries(raw)) {
      const parsed = appEntrySchema.safeParse(value);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue?.path.length ? issue.path.join(".") : "(entry)";
        throw new UserError("nautobot_app_list_invalid", `App \`${name}\` in app_list is invalid at ${where}: ${issue?.message ?? "?"}.`);
      }
      apps[name] = parsed.data;
    }
    return { context, apps };
  }

  async #one<S extends z.ZodType>(
    path: string,
    schema: S,
    name: string,
    what: string,
    o: Opts,
    withContext = true,
  ): Promise<z.output<S> | undefined> {
    const params = { name, depth: 1, ...(withContext ? { include: "config_context" } : {}) };
    const page = await this.#call({ method: "GET", path, params, signal: o.signal }, pageSchema(schema));
    if (page.count > 1) {
      throw new UserError("nautobot_ambiguous", `Nautobot has ${page.count} ${what}s named \`${name}\`; rename one of them.`);
    }
    return page.results[0];
  }

  /** Follows absolute `next` links until the last page. */
  async #all<S extends z.ZodType>(
    path: string,
    schema: S,
    params: Record<string, string | number>,
    o: Opts,
  ): Promise<z.output<S>[]> {
    const out: z.output<S>[] = [];
    let page = await this.#call({ method: "GET", path, params, signal: o.signal }, pageSchema(schema));
    out.push(...page.results);
    while (page.next) {
      page = await this.#call({ method: "GET", path: page.next, signal: o.signal }, pageSchema(schema));
      out.push(...page.results);
    }
    return out;
  }

  async #idByName(path: string, what: string, name: string, o: Opts): Promise<string> {
    const page = await this.#call({ method: "GET", path, params: { name }, signal: o.signal }, pageSchema(namedSchema));
    const hit = page.results[0];
    if (!hit) throw new UserError(`nautobot_unknown_${what}`, `Nautobot has no ${what} named \`${name}\`.`);
    return hit.id;
  }
}

function summary(kind: HostKind, h: Device | VirtualMachine): HostSummary {
  const address = h.primary_ip4?.address ?? h.primary_ip6?.address;
  return {
    kind,
    id: h.id,
    name: h.name ?? h.display ?? h.id,
    ...(address ? { primaryIp: address.split("/")[0] } : {}),
    ...(h.role?.name ? { role: h.role.name } : {}),
  };
}

/** Nautobot answers 403 (not 401) for a missing or bad token; say so plainly in the operator's log. */
function nautobotReason(res: AxiosResponse): string | undefined {
  const body: unknown = res.data;
  const detail =
    body && typeof body === "object" && typeof (body as { detail?: unknown }).detail === "string"
      ? (body as { detail: string }).detail
      : undefined;
  if (res.status === 403 || res.status === 401) {
    const why = detail ?? "no detail";
    return /token|credentials|authenticat/i.test(why) ? `Nautobot rejected the token (${why})` : `Nautobot denied the request (${why})`;
  }
  if (detail) return detail;
  if (body && typeof body === "object") return JSON.stringify(body).slice(0, 200);
  return undefined;
}

