/**
 * Fake TrueNAS SCALE (25.04 or 25.10): JSON-RPC 2.0 over WebSocket at `/api/current`, backed by an in-memory ZFS.
 * Wire formats follow truenas/middleware (`api/base/server/ws_handler/rpc.py`, `service_exception.py`, `job.py`)
 * as the TrueNAS API documentation describes it.
 *
 * Seeded share (LAB_SHARE, `Media/docker-media` at `/mnt/Media/docker-media`): the current Docker app folders, and
 * old OpenShift config folders named `ocp-<cluster>-<YYYY-MM-DD>` (OCP_FOLDER_PATTERN; seeded by zfs-seed.ts over fake-zfs.ts):
 *  - `ocp-sno01-2025-03-14`, `ocp-sno01-2025-06-02`: plain folders (deleting them needs SSH/AWX, not the API);
 *  - `ocp-lab-2024-11-30`: its own child dataset `Media/docker-media/ocp-lab-2024-11-30` (is_mountpoint true);
 *  - `ocp-sno01-2024-09-10`: a SYMLINK to `/mnt/Media/backups/ocp-keep`, outside the share (must never be followed).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import { LAB_TOKENS } from "../homelab.ts";

import { FakeZfs } from "./fake-zfs.ts";
import { filterList } from "./query-filters.ts";
import { callError, noExtra, RpcFail, validationError } from "./rpc-errors.ts";
import { seedZfs } from "./zfs-seed.ts";

export interface FakeTrueNasOptions {
  /** Default LAB_TOKENS.truenas. */
  apiKey?: string | undefined;
  /**
   * The release played, "25.10" (default, as 25.10.0), "25.04" (25.04.2), "24.10" (24.10.2) or a full version.
   * 25.10: `pool.snapshot.*` (zfs.snapshot private); 25.04: `zfs.snapshot.create` (query/delete/rollback in
   * both); 24.10: `zfs.snapshot.*` only, no `auth.login_ex`, keys belong to no user, `pool.dataset.delete` answers true.
   */
  version?: string | undefined;
  /** The user the API key belongs to (25.04+); default "root", the owner legacy keys migrate to. */
  keyOwner?: string | undefined;
  /** Job step duration in ms (WAITING → RUNNING → SUCCESS); default 300. */
  stepMs?: number | undefined;
  /** Revoke the key (EXPIRED, for good) on a login from a non-loopback address over plain ws; default true. */
  requireLoopback?: boolean | undefined;
}

/** A fault for `inject`: answer with this error, or answer `hangMs` late (use a large value to never answer in time). */
export interface TrueNasFault {
  error?: { code?: number | undefined; errname: string; reason: string } | undefined;
  hangMs?: number | undefined;
  times?: number | undefined;
  /** The call is recorded but neither processed nor answered (as if it never left the client). */
  drop?: boolean | undefined;
  /** The call is processed (its side effects happen) but its answer is never sent. */
  holdResponse?: boolean | undefined;
  /** Called with the call's params when the fault is applied, before anything else: a test acts at that exact moment. */
  onMatch?: ((params: unknown[]) => void) | undefined;
}

/** Documented keys of `pool.dataset.create` (PoolDatasetCreateFilesystem / PoolDatasetCreateVolume). */
const DATASET_CREATE_KEYS = [
  "name", "type", "comments", "sync", "snapdev", "compression", "exec", "managedby", "quota_warning", "quota_critical",
  "refquota_warning", "refquota_critical", "reservation", "refreservation", "special_small_block_size", "copies", "snapdir",
  "deduplication", "checksum", "readonly", "share_type", "encryption_options", "encryption", "inherit_encryption",
  "user_properties", "create_ancestors", "aclmode", "acltype", "atime", "casesensitivity", "quota", "refquota", "recordsize",
  "force_size", "sparse", "volsize", "volblocksize",
] as const;


// ---------------------------------------------------------------- the server

interface Conn {
  ws: WebSocket;
  authenticated: boolean;
  /** What TrueNAS's `ConnectionOrigin` would see: loopback peer, or TLS terminated by its nginx (X-Https: on). */
  secureTransport: boolean;
  legacyJobs: boolean;
  options: { private_methods: boolean; py_exceptions: boolean };
  subscriptions: Map<string, string>;
}

interface JobRec { obj: Record<string, unknown>; conn: Conn }

type Handler = (params: unknown[], conn: Conn, reqId: unknown) => unknown | Promise<unknown>;

const isLoopback = (addr: string | undefined) => !!addr && (/^(::ffff:)?127\./.test(addr) || addr === "::1");

/** Fake TrueNAS SCALE for the simulated lab and tests: JSON-RPC 2.0 over WebSocket on 127.0.0.1, port 0. */
export class FakeTrueNas {
  readonly apiKey: string;
  /** The release line: "24.10", "25.04" or "25.10". */
  readonly version: "24.10" | "25.04" | "25.10";
  /** The full version `system.version_short` answers. */
  readonly fullVersion: string;
  readonly keyOwner: string;
  readonly fs: FakeZfs;
  readonly #stepMs: number;
  readonly #requireLoopback: boolean;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #conns = new Set<Conn>();
  readonly #calls: { method: string; params: unknown[] }[] = [];
  readonly #faults = new Map<string, TrueNasFault & { left: number }>();
  readonly #jobs = new Map<number, JobRec>();
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #handlers: Map<string, Handler>;
  #nextJob = 1;
  #revoked = false;
  url = "";

  constructor(opts: FakeTrueNasOptions = {}) {
    this.apiKey = opts.apiKey ?? LAB_TOKENS.truenas;
    const full = { "24.10": "24.10.2", "25.04": "25.04.2", "25.10": "25.10.0" }[opts.version ?? "25.10"] ?? opts.version ?? "25.10.0";
    const line = full.split(".").slice(0, 2).join(".");
    if (line !== "24.10" && line !== "25.04" && line !== "25.10") throw new Error(`fake TrueNAS plays 24.10, 25.04 or 25.10, not ${full}`);
    this.version = line;
    this.fullVersion = full;
    this.keyOwner = opts.keyOwner ?? "root";
    this.#stepMs = opts.stepMs ?? 300;
    this.#requireLoopback = opts.requireLoopback ?? true;
    this.fs = seedZfs();
    this.#handlers = this.#methods();
    this.#server = createServer((req, res) => {
      if (req.method === "GET" && req.url === "/api/versions") {
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify([`v${this.fullVersion}`]));
        return;
      }
      res.writeHead(404, { "content-type": "text/plain" }).end("404: Not Found");
    });
    this.#wss = new WebSocketServer({ server: this.#server, path: "/api/current" });
    this.#wss.on("connection", (ws, req) => this.#accept(ws, req));
  }

  /** Starts listening on 127.0.0.1:0; resolves to `ws://127.0.0.1:<port>/api/current`. */
  async start(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, "127.0.0.1", resolve));
    this.url = `ws://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/current`;
    return this.url;
  }

  async close(): Promise<void> {
    for (const t of this.#timers) clearTimeout(t);
    this.dropConnections();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  /** Every request received (including refused ones), in order. */
  calls(): { method: string; params: unknown[] }[] {
    return [...this.#calls];
  }

  count(method: string): number {
    return this.#calls.filter((c) => c.method === method).length;
  }

  /** Answers the next `times` (default: all) calls of `method` with a fault. */
  inject(method: string, fault: TrueNasFault): void {
    this.#faults.set(method, { ...fault, left: fault.times ?? Number.POSITIVE_INFINITY });
  }

  clearFaults(): void {
    this.#faults.clear();
  }

  /** Cuts every WebSocket connection (as a middleware restart would). */
  dropConnections(): void {
    for (const c of this.#conns) c.ws.terminate();
  }

  /** True once the key was used over an insecure transport. */
  get keyRevoked(): boolean {
    return this.#revoked;
  }

  #accept(ws: WebSocket, req: IncomingMessage): void {
    // Behind TrueNAS's nginx the peer is in X-Real-Remote-Addr and TLS in X-Https; honour both so tests can play a remote client.
    const peer = (req.headers["x-real-remote-addr"] as string | undefined) ?? req.socket.remoteAddress;
    const conn: Conn = { ws, authenticated: false, secureTransport: req.headers["x-https"] === "on" || isLoopback(peer), legacyJobs: true, options: { private_methods: false, py_exceptions: false }, subscriptions: new Map() };
    this.#conns.add(conn);
    ws.on("close", () => this.#conns.delete(conn));
    ws.on("message", (data) => void this.#onMessage(conn, data.toString()));
  }

  async #onMessage(conn: Conn, text: string): Promise<void> {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(text) as Record<string, unknown>;
    } catch (err) {
      return this.#sendError(conn, null, -32700, (err as Error).message);
    }
    if (Array.isArray(msg) || typeof msg !== "object" || msg === null || msg.jsonrpc !== "2.0" || typeof msg.method !== "string" ||
      (msg.params !== undefined && !Array.isArray(msg.params))) {
      return this.#sendError(conn, null, -32600, "Invalid request: batch requests are not supported; expected {jsonrpc: '2.0', method, params: []}");
    }
    const id = msg.id ?? null;
    const method = msg.method;
    const params = (msg.params ?? []) as unknown[];
    this.#calls.push({ method, params });
    const handler = this.#handlers.get(method);
    if (!handler) return this.#sendError(conn, id, -32601, "Method does not exist");
    try {
      const fault = this.#faults.get(method);
      const applied = fault && fault.left > 0 ? fault : undefined;
      if (applied) {
        applied.left--;
        applied.onMatch?.(params);
        if (applied.drop) return;
        if (applied.hangMs) await new Promise<void>((r) => this.#timer(r, applied.hangMs ?? 0));
        if (applied.error) throw new RpcFail(applied.error.code ?? -32001, "Method call error", applied.error.errname, applied.error.reason);
      }
      const open = method.startsWith("auth.login") || method === "core.ping" || method === "core.set_options";
      if (!open && !conn.authenticated) throw callError("ENOTAUTHENTICATED", "Not authenticated");
      const result = await handler(params, conn, id);
      if (applied?.holdResponse) return;
      this.#send(conn, { jsonrpc: "2.0", result: result === undefined ? null : result, id });
    } catch (err) {
      if (err instanceof RpcFail) this.#sendError(conn, id, err.code, err.message, err.data);
      else this.#sendError(conn, id, -32001, "Method call error", callError("EFAULT", String(err)).data);
    }
  }

  #send(conn: Conn, frame: unknown): void {
    if (conn.ws.readyState === conn.ws.OPEN) conn.ws.send(JSON.stringify(frame));
  }

  #sendError(conn: Conn, id: unknown, code: number, message: string, data?: unknown): void {
    this.#send(conn, { jsonrpc: "2.0", error: { code, message, ...(data === undefined ? {} : { data }) }, id });
  }

  #timer(fn: () => void, ms: number): void {
    const t = setTimeout(() => {
      this.#timers.delete(t);
      fn();
    }, ms);
    this.#timers.add(t);
  }

  #login(conn: Conn, username: string | undefined, key: unknown): "SUCCESS" | "AUTH_ERR" | "EXPIRED" {
    if (typeof key !== "string" || !/^\d+-/.test(key) || key.split("-")[0] !== this.apiKey.split("-")[0]) return "AUTH_ERR";
    // From 25.04 a key belongs to one user, and auth.login_ex must name that user.
    if (key !== this.apiKey || (username !== undefined && username !== this.keyOwner)) return "AUTH_ERR";
    if (!conn.secureTransport && this.#requireLoopback) this.#revoked = true; // plugins/auth.py: revoke on insecure transport
    if (this.#revoked) return "EXPIRED";
    conn.authenticated = true;
    return "SUCCESS";
  }

  #methods(): Map<string, Handler> {
    const snap = this.version === "25.10" ? "pool.snapshot" : "zfs.snapshot";
    const m: Map<string, Handler> = new Map<string, Handler>([
      ["auth.login_ex", ([data], conn) => {
        const d = (data ?? {}) as Record<string, unknown>;
        if (d.mechanism !== "API_KEY_PLAIN") throw validationError("auth.login_ex.login_data.mechanism", "Input should be 'API_KEY_PLAIN', 'PASSWORD_PLAIN', 'TOKEN_PLAIN' or 'OTP_TOKEN'");
        noExtra("auth.login_ex.login_data", d, ["mechanism", "username", "api_key", "login_options"]);
        noExtra("auth.login_ex.login_data.login_options", d.login_options, ["user_info"]);
        const type = this.#login(conn, String(d.username ?? ""), d.api_key);
        return type === "SUCCESS" ? { response_type: type, user_info: null, authenticator: "LEVEL_1" } : { response_type: type };
      }],
      ["auth.login_with_api_key", ([key], conn) => this.#login(conn, undefined, key) === "SUCCESS"],
      ["core.ping", () => "pong"],
      ["core.set_options", ([o], conn) => {
        // CoreOptions is strict but `extra="ignore"`: a newer client's unknown options are dropped, not refused.
        const opts = (o ?? {}) as Record<string, unknown>;
        const known = this.version === "25.10" ? ["legacy_jobs", "private_methods", "py_exceptions"] : ["private_methods", "py_exceptions"];
        for (const k of known) if (k in opts && typeof opts[k] !== "boolean") throw validationError(`core.set_options.options.${k}`, "Input should be a valid boolean");
        if (this.version === "25.10" && typeof opts.legacy_jobs === "boolean") conn.legacyJobs = opts.legacy_jobs;
        for (const k of ["private_methods", "py_exceptions"] as const) if (typeof opts[k] === "boolean") conn.options[k] = opts[k];
        // 25.10 answers the connection's options; older API versions answer null.
        return this.version === "25.10" ? { legacy_jobs: conn.legacyJobs, ...conn.options } : null;
      }],
      ["system.version", () => `TrueNAS-SCALE-${this.fullVersion}`],
      ["system.version_short", () => this.fullVersion],
      ["core.get_methods", (): unknown => Object.fromEntries([...m.keys()].map((k) => [k, { description: null, job: k === "pool.dataset.destroy_snapshots" }]))],
      ["core.subscribe", ([name], conn) => {
        const ident = randomUUID();
        conn.subscriptions.set(ident, String(name));
        return ident;
      }],
      ["core.unsubscribe", ([ident], conn) => void conn.subscriptions.delete(String(ident))],
      ["core.get_jobs", ([f, o]) => filterList([...this.#jobs.values()].map((j) => j.obj), f, o)],
      ["filesystem.listdir", ([path, f, o]) => filterList(this.#listdir(String(path)), f, o)],
      ["filesystem.stat", ([path]) => this.#stat(String(path))],
      ["pool.dataset.query", ([f, o]) => filterList([...this.fs.datasets.keys()].sort().map((k) => this.fs.datasetEntry(k)), f, o)],
      ["pool.dataset.create", ([data]) => this.#createDataset(data)],
      ["pool.dataset.delete", ([id, o]) => {
        const opts = (o ?? {}) as { recursive?: boolean };
        for (const k of Object.keys(opts)) if (k !== "recursive" && k !== "force") throw validationError(`pool.dataset.delete.options.${k}`, "Extra inputs are not permitted");
        this.fs.destroy(String(id), opts.recursive === true);
        return this.version === "24.10" ? true : null; // 25.04+: the method returns None
      }],
      ["pool.dataset.rename", ([id, o]) => {
        const opts = (o ?? {}) as { new_name?: string; force?: boolean };
        noExtra("pool.dataset.rename.data", opts, ["new_name", "recursive", "force"]);
        if (!opts.new_name) throw validationError("pool.dataset.rename.new_name", "Field required");
        if (!opts.force) {
          throw validationError("pool.dataset.rename.force", "No safety checks are performed when renaming ZFS resources; this may break existing usages. If you understand the risks, please set force and proceed.");
        }
        this.fs.rename(String(id), opts.new_name);
        return null;
      }],
      ["pool.dataset.destroy_snapshots", (params, conn, reqId) => (noExtra("pool.dataset.destroy_snapshots.snapshots", params[1], ["all", "recursive", "snapshots"]), this.#startJob("pool.dataset.destroy_snapshots", params, conn, reqId, () => this.#destroySnapshots(params)))],
      [`${snap}.create`, ([data]) => this.#createSnapshot(data)],
      [`${snap}.query`, ([f, o]) => filterList([...this.fs.snapshots.keys()].sort().map((k) => this.fs.snapshotEntry(k)), f, o)],
      [`${snap}.delete`, ([id, o]) => {
        noExtra(`${snap}.delete.options`, o, ["defer", "recursive"]);
        if (!this.fs.snapshots.delete(String(id))) throw callError("ENOENT", `Snapshot ${String(id)} not found`);
        return true;
      }],
      [`${snap}.rollback`, ([id, o]) => {
        noExtra(`${snap}.rollback.options`, o, ["recursive", "recursive_clones", "force", "recursive_rollback"]);
        return void this.fs.rollback(String(id), ((o ?? {}) as { recursive?: boolean }).recursive === true);
      }],
    ]);
    if (this.version === "24.10") {
      m.delete("auth.login_ex"); // added in 25.04 with user-linked keys
      m.set("pool.snapshot.create", m.get("zfs.snapshot.create") as Handler); // documented for 24.10 too (api.truenas.com/v24.10)
    }
    if (this.version === "25.04") {
      // 25.04 also has pool.snapshot.{query,delete,rollback}; only create is zfs.snapshot-only.
      for (const op of ["query", "delete", "rollback"]) m.set(`pool.snapshot.${op}`, m.get(`zfs.snapshot.${op}`) as Handler);
    }
    return m;
  }

  #checkPath(path: string): void {
    if (!path.startsWith("/")) throw callError("EINVAL", `${path}: path must be absolute`);
    if (path !== "/mnt" && !path.startsWith("/mnt/")) throw callError("EXDEV", `${path}: path is external to TrueNAS`);
  }

  #listdir(path: string): Record<string, unknown>[] {
    this.#checkPath(path);
    const r = this.fs.resolve(path.replace(/\/+$/, ""));
    if (path !== "/mnt" && !r?.node) throw callError("ENOENT", `Directory ${path} does not exist`);
    if (r?.node && r.node.type !== "DIRECTORY") throw callError("ENOTDIR", `Path ${path} is not a directory`);
    const out = new Map<string, Record<string, unknown>>();
    for (const [name, node] of r?.node?.children ?? []) out.set(name, this.fs.dirEntry(`${path}/${name}`, node, false));
    for (const id of this.fs.datasets.keys()) {
      const mp = this.fs.mountpoint(id);
      if (mp.slice(0, mp.lastIndexOf("/")) !== path) continue;
      const ds = this.fs.datasets.get(id);
      if (ds) out.set(mp.slice(mp.lastIndexOf("/") + 1), this.fs.dirEntry(mp, ds.root, true));
    }
    return [...out.values()].sort((a, b) => String(a.name).localeCompare(String(b.name)));
  }

  #stat(path: string): Record<string, unknown> {
    this.#checkPath(path);
    const r = this.fs.resolve(path.replace(/\/+$/, ""));
    if (!r?.node) throw callError("ENOENT", `Path ${path} not found`);
    return this.fs.stat(path, r.node, r.isMount);
  }

  #createDataset(data: unknown): Record<string, unknown> {
    const d = (data ?? {}) as { name?: string; type?: string };
    const name = d.name ?? "";
    noExtra("pool_dataset_create", d, DATASET_CREATE_KEYS);
    if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)+$/.test(name)) throw validationError("pool_dataset_create.name", "Invalid dataset name");
    if ((d.type ?? "FILESYSTEM") !== "FILESYSTEM") throw validationError("pool_dataset_create.type", "Only FILESYSTEM is supported by this lab");
    if (this.fs.datasets.has(name)) throw validationError("pool_dataset_create.name", "Path already exists", "EEXIST");
    if (!this.fs.datasets.has(name.slice(0, name.lastIndexOf("/")))) throw validationError("pool_dataset_create.name", "Parent dataset does not exist", "ENOENT");
    this.fs.addDataset(name);
    return this.fs.datasetEntry(name);
  }

  #createSnapshot(data: unknown): Record<string, unknown> {
    const d = (data ?? {}) as { dataset?: string; name?: string; naming_schema?: string; recursive?: boolean };
    const attr = this.version === "25.10" ? "pool_snapshot_create" : "zfs_snapshot_create";
    const known = ["dataset", "recursive", "exclude", "vmware_sync", "properties", "name", "naming_schema"];
    for (const k of Object.keys(d)) if (!known.includes(k)) throw validationError(`${attr}.${k}`, "Extra inputs are not permitted");
    if (d.name && d.naming_schema) throw validationError(`${attr}.name`, "Only one of name or naming_schema may be set");
    if (!d.dataset) throw validationError(`${attr}.dataset`, "Field required");
    if (!d.name || !/^[A-Za-z0-9_.:-]+$/.test(d.name)) throw validationError(`${attr}.name`, "Please provide a valid snapshot name according to ZFS standards");
    this.fs.snapshot(d.dataset, d.name, d.recursive === true);
    return this.fs.snapshotEntry(`${d.dataset}@${d.name}`);
  }

  #destroySnapshots(params: unknown[]): string[] {
    const [name, spec] = params as [string, { all?: boolean; recursive?: boolean; snapshots?: string[] }];
    if (!this.fs.datasets.has(name)) throw callError("ENOENT", `${name} does not exist`);
    const targets = [name, ...(spec?.recursive ? this.fs.descendants(name) : [])];
    const gone: string[] = [];
    for (const [k, s] of [...this.fs.snapshots]) {
      if (targets.includes(s.dataset) && (spec?.all || (spec?.snapshots ?? []).includes(s.name))) {
        this.fs.snapshots.delete(k);
        gone.push(k);
      }
    }
    return gone;
  }

  /** A `@job` method: returns the job id at once (legacy_jobs), or the result once done; WAITING → RUNNING → SUCCESS/FAILED. */
  #startJob(method: string, args: unknown[], conn: Conn, reqId: unknown, work: () => unknown): Promise<unknown> | number {
    const id = this.#nextJob++;
    const obj: Record<string, unknown> = {
      id, ...(this.version === "25.10" ? { message_ids: reqId === null ? [] : [reqId] } : {}),
      method, arguments: args, transient: false, description: null, abortable: false,
      logs_path: null, logs_excerpt: null, progress: { percent: 0, description: "", extra: null },
      result: null, result_encoding_error: null, error: null, exception: null, exc_info: null,
      state: "WAITING", time_started: { $date: Date.now() }, time_finished: null,
      credentials: { type: "API_KEY", data: { username: "root", api_key: { id: Number(this.apiKey.split("-")[0]), name: "labops" } } },
    };
    this.#jobs.set(id, { obj, conn });
    this.#jobEvent("added", obj);
    const done = new Promise<unknown>((resolve, reject) => {
      this.#timer(() => {
        Object.assign(obj, { state: "RUNNING", progress: { percent: 20, description: "Initial validation complete", extra: null } });
        this.#jobEvent("changed", obj);
        this.#timer(() => {
          try {
            const result = work();
            Object.assign(obj, { state: "SUCCESS", result, progress: { percent: 100, description: "", extra: null } });
            resolve(result);
          } catch (err) {
            const f = err instanceof RpcFail ? err : callError("EFAULT", String(err));
            Object.assign(obj, { state: "FAILED", error: f.reason, exception: `CallError: ${f.reason}`, exc_info: { repr: f.reason, type: "CallError", errno: f.data.error, extra: null } });
            reject(f);
          }
          obj.time_finished = { $date: Date.now() };
          this.#jobEvent("changed", obj);
        }, this.#stepMs);
      }, this.#stepMs);
    });
    if (conn.legacyJobs) {
      done.catch(() => undefined);
      return id;
    }
    return done;
  }

  #jobEvent(msg: "added" | "changed", obj: Record<string, unknown>): void {
    for (const c of this.#conns) {
      if (![...c.subscriptions.values()].some((n) => n === "core.get_jobs" || n === "*")) continue;
      this.#send(c, { jsonrpc: "2.0", method: "collection_update", params: { msg, collection: "core.get_jobs", id: obj.id, fields: { ...obj } } });
    }
  }
}
