import type { AxiosInstance, AxiosResponse } from "axios";
import { z } from "zod";
import { ApiError, ConfigError, UserError } from "../errors.ts";
import { proxmoxVersion, type SystemVersion } from "./system-version.ts";
import { HttpApi } from "./http.ts";
import {
  LxcStatusSchema,
  NodeSchema,
  ResourceSchema,
  TaskLogLineSchema,
  TaskStatusSchema,
  UPID_RE,
  UpidSchema,
  VersionSchema,
  envelope,
  type LxcStatus,
  type Node,
  type Resource,
  type TaskLogLine,
  type TaskStatus,
  type Version,
} from "./proxmox-schemas.ts";
import { sleep } from "../sleep.ts";

export type { LxcStatus, Node, Resource, TaskLogLine, TaskStatus, Version };

export interface ProxmoxClientOptions {
  /** Origin of any cluster node, e.g. `https://pve01.lab:8006`. */
  url: string;
  /** API token `USER@REALM!TOKENID=SECRET`; sent as `Authorization: PVEAPIToken=...`, never logged. */
  token: string;
  timeoutMs?: number | undefined;
  caPem?: string | undefined;
  /** Extra tries for GETs on network errors and 5xx (default 2). */
  getRetries?: number | undefined;
  onError?: ((e: ApiError) => void) | undefined;
  http?: AxiosInstance | undefined;
}

/** A new container. Sizes: memory and swap in MiB, rootfs `STORAGE:GiB` (e.g. `local-lvm:8`). */
export interface LxcSpec {
  vmid: number;
  /** Volume id of a `vztmpl` template, e.g. `local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst`. */
  ostemplate: string;
  hostname?: string | undefined;
  cores?: number | undefined;
  memory?: number | undefined;
  swap?: number | undefined;
  rootfs?: string | undefined;
  /** Property string, e.g. `name=eth0,bridge=vmbr0,ip=dhcp` (commas stay inside the value). */
  net0?: string | undefined;
  /** OpenSSH public keys, one per line (an array is joined with newlines). */
  sshPublicKeys?: string | readonly string[] | undefined;
  unprivileged?: boolean | undefined;
  /** Start the container at the end of the same `vzcreate` task. */
  start?: boolean | undefined;
  onboot?: boolean | undefined;
  /** Property string, e.g. `nesting=1,keyctl=1`. */
  features?: string | undefined;
  /** Tags (an array is joined with `;`). */
  tags?: string | readonly string[] | undefined;
  description?: string | undefined;
  storage?: string | undefined;
  pool?: string | undefined;
  nameserver?: string | undefined;
  searchdomain?: string | undefined;
}

/** The fields of a UPID. `user` is as written in the UPID: `user@realm!tokenid` for token-started tasks. */
export interface Upid {
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
}

type Opts = { signal?: AbortSignal | undefined };

export interface WaitOptions extends Opts {
  /** Poll interval in ms (default 1000). */
  intervalMs?: number | undefined;
  /** Give up after this many ms (default 10 min); the task itself keeps running on the node. */
  timeoutMs?: number | undefined;
  onPoll?: ((s: TaskStatus) => void) | undefined;
}

const TOKEN_RE = /^[^\s@!]+@[^\s@!]+![A-Za-z][A-Za-z0-9._-]*=\S+$/;
const LOG_TAIL = 10;

/** Decodes a UPID (pve-common UPID.pm); throws UserError when the text is not one. */
export function parseUpid(upid: string): Upid {
  const m = UPID_RE.exec(upid);
  if (!m) throw new UserError("proxmox_bad_upid", "That is not a Proxmox task id (UPID).");
  const [, node, , pid, pstart, starttime, type, id, user] = m as unknown as string[];
  return {
    node: node!,
    pid: parseInt(pid!, 16),
    pstart: parseInt(pstart!, 16),
    starttime: parseInt(starttime!, 16),
    type: type!,
    id: id!,
    user: user!,
  };
}

/** Encodes a UPID the way PVE does (upper-case hex, 8 digits, trailing colon). */
export function formatUpid(u: Upid): string {
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  return `UPID:${u.node}:${hex(u.pid)}:${hex(u.pstart)}:${hex(u.starttime)}:${u.type}:${u.id}:${u.user}:`;
}

/** PVE's rule (UPID.pm status_is_error): a stopped task succeeded when its exit status is `OK` or `WARNINGS: <n>`. */
export function taskSucceeded(s: Pick<TaskStatus, "status" | "exitstatus">): boolean {
  return s.status === "stopped" && (s.exitstatus === "OK" || /^WARNINGS: \d+$/.test(s.exitstatus ?? ""));
}

/**
 * True when a create failed because the VMID is in use: `CT/VM <n> already exists on node '…'` (a 500 from
 * check_vmid_unused), `VM <n> already exists` (400 errors.vmid from nextid) or `Could not reserve ID <n>`.
 */
export function isVmidTaken(err: unknown): boolean {
  return (
    err instanceof ApiError &&
    err.service === "proxmox" &&
    /\b(?:CT|VM) \d+ already exists|already taken/.test(err.reason)
  );
}

/** A worker task ended with an error exit status. The log tail is for the operator, not for chat. */
export class ProxmoxTaskError extends ApiError {
  override name = "ProxmoxTaskError";
  readonly upid: string;
  readonly exitstatus: string;
  constructor(
    readonly task: TaskStatus,
    /** The last lines of the task log (text only). */
    readonly logTail: string[],
    path: string,
  ) {
    super("proxmox", undefined, "GET", path, `task ${task.type} ${task.id} failed: ${task.exitstatus ?? "unknown"}`, {
      retryable: false,
    });
    this.upid = task.upid;
    this.exitstatus = task.exitstatus ?? "";
  }

  override get userMessage(): string {
    return `The Proxmox task ${this.task.type} for ${this.task.id} failed on ${this.task.node}.`;
  }
}

/**
 * The operator-facing reason of a PVE error: the body's `message` (pve-http-server ≥ 5.2.0) or else the HTTP
 * reason phrase, followed by the per-parameter `errors`. A 401 has no body at all.
 */
export function proxmoxReason(res: AxiosResponse): string | undefined {
  const line = (res.statusText ?? "").trim();
  if (res.status === 401) return line || "authentication failure";
  const body = res.data && typeof res.data === "object" ? (res.data as Record<string, unknown>) : {};
  const message = typeof body.message === "string" ? body.message.trim() : "";
  const head = message || line || undefined;
  const errors =
    body.errors && typeof body.errors === "object"
      ? Object.entries(body.errors as Record<string, unknown>).map(([k, v]) => `${k}: ${oneLine(String(v))}`)
      : [];
  return errors.length > 0 ? `${head ?? "request failed"} (${errors.join("; ")})` : head;
}

function oneLine(s: string): string {
  return s.trim().replace(/\s*(?:\n|\\n)\s*/g, "; ");
}

/** Form-urlencodes fields: newlines become %0A, commas stay literal inside values. */
export function encodeForm(fields: readonly (readonly [string, string])[]): string {
  const enc = (s: string) => encodeURIComponent(s).replace(/%2C/gi, ",");
  return fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join("&");
}

function lxcForm(spec: LxcSpec): [string, string][] {
  const fields: [string, string][] = [];
  const put = (k: string, v: string | number | boolean | readonly string[] | undefined, join = "\n") => {
    if (v === undefined) return;
    fields.push([k, typeof v === "boolean" ? (v ? "1" : "0") : Array.isArray(v) ? v.join(join) : String(v)]);
  };
  put("vmid", spec.vmid);
  put("ostemplate", spec.ostemplate);
  put("hostname", spec.hostname);
  put("cores", spec.cores);
  put("memory", spec.memory);
  put("swap", spec.swap);
  put("rootfs", spec.rootfs);
  put("storage", spec.storage);
  put("net0", spec.net0);
  put("ssh-public-keys", spec.sshPublicKeys);
  put("unprivileged", spec.unprivileged);
  put("features", spec.features);
  put("onboot", spec.onboot);
  put("start", spec.start);
  put("tags", spec.tags, ";");
  put("description", spec.description);
  put("pool", spec.pool);
  put("nameserver", spec.nameserver);
  put("searchdomain", spec.searchdomain);
  return fields;
}


/** Proxmox VE REST client (`/api2/json`, API-token auth). */
export class ProxmoxClient {
  readonly #api: HttpApi;

  constructor(opts: ProxmoxClientOptions) {
    if (!TOKEN_RE.test(opts.token)) throw new ConfigError(["proxmox.token: expected USER@REALM!TOKENID=SECRET"]);
    this.#api = new HttpApi({
      service: "proxmox",
      baseUrl: `${opts.url.replace(/\/+$/, "")}/api2/json/`,
      headers: { Authorization: `PVEAPIToken=${opts.token}`, Accept: "application/json" },
      timeoutMs: opts.timeoutMs,
      caPem: opts.caPem,
      getRetries: opts.getRetries,
      reasonOf: proxmoxReason,
      onError: opts.onError,
      http: opts.http,
    });
  }

  /** GET /version: a cheap auth and health check. Idempotent. */
  async version(o: Opts = {}): Promise<Version> {
    return (await this.#api.call({ method: "GET", path: "version", signal: o.signal }, envelope(VersionSchema))).data;
  }

  /** GET /version, classified: Proxmox VE 8 and 9 are supported. */
  async detectVersion(o: Opts = {}): Promise<SystemVersion> {
    return proxmoxVersion((await this.version(o)).version);
  }

  /** GET /nodes: every cluster node; offline ones carry only `node` and `status`. Idempotent. */
  async nodes(o: Opts = {}): Promise<Node[]> {
    return (await this.#api.call({ method: "GET", path: "nodes", signal: o.signal }, envelope(z.array(NodeSchema)))).data;
  }

  /** GET /cluster/nextid: the lowest free VMID ≥ 100 (sent as a string or a number). Not a reservation: create can still collide. */
  async nextId(o: Opts = {}): Promise<number> {
    const schema = envelope(z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform(Number));
    return (await this.#api.call({ method: "GET", path: "cluster/nextid", signal: o.signal }, schema)).data;
  }

  /** GET /cluster/resources?type=vm: every QEMU VM and LXC container in the cluster, templates included. Idempotent. */
  async resources(o: Opts = {}): Promise<Resource[]> {
    const req = { method: "GET" as const, path: "cluster/resources", params: { type: "vm" }, signal: o.signal };
    return (await this.#api.call(req, envelope(z.array(ResourceSchema)))).data;
  }

  /**
   * The node to place a new guest on: among online nodes that report memory, the one with the most free
   * memory (maxmem − mem); ties go to the lower CPU load, then to the name. Throws UserError when none is online.
   */
  async leastLoadedNode(o: Opts = {}): Promise<string> {
    const candidates = (await this.nodes(o))
      .filter((n) => n.status === "online" && n.maxmem !== undefined && n.mem !== undefined)
      .map((n) => ({ node: n.node, free: n.maxmem! - n.mem!, cpu: n.cpu ?? 0 }))
      .sort((a, b) => b.free - a.free || a.cpu - b.cpu || a.node.localeCompare(b.node));
    const best = candidates[0];
    if (!best) throw new UserError("proxmox_no_online_node", "No Proxmox node is online to place the container on.");
    return best.node;
  }

  /**
   * POST /nodes/{node}/lxc (form-urlencoded): starts a `vzcreate` task and returns its UPID; wait with waitForTask.
   * NOT idempotent. A VMID in use fails with a non-retryable ApiError that `isVmidTaken(err)` recognises.
   */
  async createLxc(node: string, spec: LxcSpec, o: Opts = {}): Promise<string> {
    try {
      const res = await this.#api.call(
        {
          method: "POST",
          path: `nodes/${encodeURIComponent(node)}/lxc`,
          data: encodeForm(lxcForm(spec)),
          headers: { "Content-Type": "application/x-www-form-urlencoded" },
          signal: o.signal,
        },
        envelope(UpidSchema),
      );
      return res.data;
    } catch (err) {
      if (!isVmidTaken(err)) throw err;
      const e = err as ApiError;
      throw new ApiError(e.service, e.status, e.method, e.path, e.reason, { cause: err, retryable: false });
    }
  }

  /** POST /nodes/{node}/lxc/{vmid}/status/start: starts a `vzstart` task; returns its UPID. Fails (500) if already running. */
  startLxc(node: string, vmid: number, o: Opts = {}): Promise<string> {
    return this.#task("POST", `nodes/${encodeURIComponent(node)}/lxc/${vmid}/status/start`, o);
  }

  /** POST /nodes/{node}/lxc/{vmid}/status/stop: hard stop, a `vzstop` task; returns its UPID. Fails (500) if not running. */
  stopLxc(node: string, vmid: number, o: Opts = {}): Promise<string> {
    return this.#task("POST", `nodes/${encodeURIComponent(node)}/lxc/${vmid}/status/stop`, o);
  }

  /** DELETE /nodes/{node}/lxc/{vmid}: destroys a stopped container and its volumes, a `vzdestroy` task; returns its UPID. */
  deleteLxc(node: string, vmid: number, o: Opts = {}): Promise<string> {
    return this.#task("DELETE", `nodes/${encodeURIComponent(node)}/lxc/${vmid}`, o);
  }

  /** GET /nodes/{node}/lxc/{vmid}/status/current. A missing container is a 500 ("Configuration file ... does not exist"). */
  async lxcStatus(node: string, vmid: number, o: Opts = {}): Promise<LxcStatus> {
    const req = { method: "GET" as const, path: `nodes/${encodeURIComponent(node)}/lxc/${vmid}/status/current`, signal: o.signal };
    return (await this.#api.call(req, envelope(LxcStatusSchema))).data;
  }

  /** GET /nodes/{node}/tasks/{upid}/status, on the node named in the UPID. Idempotent. */
  async taskStatus(upid: string, o: Opts = {}): Promise<TaskStatus> {
    const req = { method: "GET" as const, path: `${taskPath(upid)}/status`, signal: o.signal };
    return (await this.#api.call(req, envelope(TaskStatusSchema))).data;
  }

  /** GET /nodes/{node}/tasks/{upid}/log: lines `start`+1 … `start`+`limit` (PVE default 0 and 50). Idempotent. */
  async taskLog(upid: string, o: Opts & { start?: number | undefined; limit?: number | undefined } = {}): Promise<TaskLogLine[]> {
    return (await this.#taskLogPage(upid, o)).data;
  }

  /**
   * Polls a task until it stops. Resolves on `OK` or `WARNINGS: n`; any other exit status throws a
   * ProxmoxTaskError carrying it and the last log lines. Timeout → non-retryable ApiError; abort → the signal's reason.
   */
  async waitForTask(upid: string, o: WaitOptions = {}): Promise<TaskStatus> {
    const intervalMs = o.intervalMs ?? 1_000;
    const timeoutMs = o.timeoutMs ?? 600_000;
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const s = await this.taskStatus(upid, { signal: o.signal });
      o.onPoll?.(s);
      if (s.status === "stopped") {
        if (taskSucceeded(s)) return s;
        const tail = await this.#logTail(upid, o.signal).catch(() => []);
        throw new ProxmoxTaskError(s, tail, `/api2/json/${taskPath(upid)}/status`);
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        const reason = `task ${s.type} ${s.id} still running after ${timeoutMs} ms`;
        throw new ApiError("proxmox", undefined, "GET", `/api2/json/${taskPath(upid)}/status`, reason, { retryable: false });
      }
      await sleep(Math.min(intervalMs, left), o.signal);
    }
  }

  async #task(method: "POST" | "DELETE", path: string, o: Opts): Promise<string> {
    return (await this.#api.call({ method, path, signal: o.signal }, envelope(UpidSchema))).data;
  }

  #taskLogPage(upid: string, o: Opts & { start?: number | undefined; limit?: number | undefined }) {
    const req = { method: "GET" as const, path: `${taskPath(upid)}/log`, params: { start: o.start, limit: o.limit }, signal: o.signal };
    return this.#api.call(req, envelope(z.array(TaskLogLineSchema)));
  }

  /** The last LOG_TAIL lines: one page from the start, and a second one when the log is longer. */
  async #logTail(upid: string, signal: AbortSignal | undefined): Promise<string[]> {
    let page = await this.#taskLogPage(upid, { start: 0, limit: 50, signal });
    const total = page.total ?? page.data.length;
    if (total > page.data.length) page = await this.#taskLogPage(upid, { start: total - LOG_TAIL, limit: LOG_TAIL, signal });
    return page.data.slice(-LOG_TAIL).map((l) => l.t);
  }
}

/** `nodes/{node}/tasks/{upid}`: tasks are read on the node that runs them; the UPID is URL-encoded. */
function taskPath(upid: string): string {
  const { node } = parseUpid(upid);
  return `nodes/${encodeURIComponent(node)}/tasks/${encodeURIComponent(upid)}`;
}
