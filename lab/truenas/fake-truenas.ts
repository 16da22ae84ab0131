/**
 * Fake TrueNAS SCALE (25.04 or 25.10): JSON-RPC 2.0 over WebSocket at `/api/current`, backed by an in-memory ZFS.
 * Wire formats follow truenas/middleware (`api/base/server/ws_handler/rpc.py`, `service_exception.py`, `job.py`)
 * as the TrueNAS API documentation describes it.
 *
 * Seeded share (LAB_SHARE, `Media/docker-media` at `/mnt/Media/docker-media`): the current Docker app folders, and
 * old OpenShift config folders named `ocp-<cluster>-<YYYY-MM-DD>` (OCP_FOLDER_PATTERN):
 *  - `ocp-sno01-2025-03-14`, `ocp-sno01-2025-06-02`: plain folders (deleting them needs SSH/AWX, not the API);
 *  - `ocp-lab-2024-11-30`: its own child dataset `Media/docker-media/ocp-lab-2024-11-30` (is_mountpoint true);
 *  - `ocp-sno01-2024-09-10`: a SYMLINK to `/mnt/Media/backups/ocp-keep`, outside the share (must never be followed).
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { randomUUID } from "node:crypto";
import { WebSocketServer, type WebSocket } from "ws";
import { LAB_SHARE, LAB_TOKENS } from "../homelab.ts";

export const OCP_FOLDER_PATTERN = /^ocp-[a-z0-9]+(?:-[a-z0-9]+)*-\d{4}-\d{2}-\d{2}$/;
export const SEED_OCP = {
  plain: ["ocp-sno01-2025-03-14", "ocp-sno01-2025-06-02"],
  dataset: "ocp-lab-2024-11-30",
  symlink: "ocp-sno01-2024-09-10",
  symlinkTarget: "/mnt/Media/backups/ocp-keep",
} as const;
export const SEED_APPS = ["traefik", "portainer", "grafana", "jellyfin", "nextcloud", "vaultwarden", "uptime-kuma"] as const;

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

const ERRNO: Record<string, number> = {
  EPERM: 1, ENOENT: 2, EACCES: 13, EFAULT: 14, EBUSY: 16, EEXIST: 17, EXDEV: 18, ENOTDIR: 20, EINVAL: 22,
  ENOTEMPTY: 39, ENOTAUTHENTICATED: 207,
};

/** An error the fake answers with; the wire form is built by `RpcFail.data`. */
export class RpcFail extends Error {
  constructor(readonly code: number, message: string, readonly errname: string, readonly reason: string, readonly extra: unknown[] | null = null) {
    super(message);
  }
  get data() {
    return { error: ERRNO[this.errname] ?? 22, errname: this.errname, reason: this.reason, trace: null, extra: this.extra };
  }
}
/** `CallError` → -32001 "Method call error", reason "[ERRNAME] message". */
export const callError = (errname: string, msg: string) => new RpcFail(-32001, "Method call error", errname, `[${errname}] ${msg}`);
/** `ValidationError` → -32602 "Invalid params" with `[attribute, message, errno]` in extra. */
export const validationError = (attr: string, msg: string, errname = "EINVAL") =>
  new RpcFail(-32602, "Invalid params", "EINVAL", `[${errname}] ${attr}: ${msg}`, [[attr, msg, ERRNO[errname] ?? 22]]);

/** The middleware's argument models forbid unknown keys ("No Additional Properties"): refuse them as it does. */
function noExtra(attr: string, value: unknown, allowed: readonly string[]): void {
  for (const k of Object.keys((value ?? {}) as Record<string, unknown>)) {
    if (!allowed.includes(k)) throw validationError(`${attr}.${k}`, "Extra inputs are not permitted");
  }
}

/** Documented keys of `pool.dataset.create` (PoolDatasetCreateFilesystem / PoolDatasetCreateVolume). */
const DATASET_CREATE_KEYS = [
  "name", "type", "comments", "sync", "snapdev", "compression", "exec", "managedby", "quota_warning", "quota_critical",
  "refquota_warning", "refquota_critical", "reservation", "refreservation", "special_small_block_size", "copies", "snapdir",
  "deduplication", "checksum", "readonly", "share_type", "encryption_options", "encryption", "inherit_encryption",
  "user_properties", "create_ancestors", "aclmode", "acltype", "atime", "casesensitivity", "quota", "refquota", "recordsize",
  "force_size", "sparse", "volsize", "volblocksize",
] as const;

// ---------------------------------------------------------------- in-memory ZFS

export interface FsNode {
  type: "DIRECTORY" | "FILE" | "SYMLINK";
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  target?: string | undefined;
  children?: Map<string, FsNode> | undefined;
}
interface DatasetRec { id: string; root: FsNode }
interface SnapRec { dataset: string; name: string; txg: number; created: number; tree: FsNode }

const clone = (n: FsNode): FsNode => ({
  ...n,
  ...(n.children ? { children: new Map([...n.children].map(([k, v]) => [k, clone(v)])) } : {}),
});
const dir = (mtime: number, entries: Record<string, FsNode> = {}): FsNode => ({ type: "DIRECTORY", mtime, size: 4096, children: new Map(Object.entries(entries)) });
const file = (size: number, mtime: number): FsNode => ({ type: "FILE", mtime, size });
const day = (iso: string) => Date.parse(`${iso}T03:00:00Z`) / 1000;
const treeSize = (n: FsNode): number => n.size + [...(n.children?.values() ?? [])].reduce((a, c) => a + treeSize(c), 0);

/** The in-memory pools: datasets (each with its own tree), snapshots, and path resolution across mountpoints. */
export class FakeZfs {
  readonly datasets = new Map<string, DatasetRec>();
  readonly snapshots = new Map<string, SnapRec>();
  #txg = 1000;

  mountpoint(id: string): string {
    return `/mnt/${id}`;
  }

  /** The dataset whose mountpoint holds `path` (longest prefix) and the node there, if any. */
  resolve(path: string): { ds: DatasetRec; node: FsNode | undefined; isMount: boolean } | undefined {
    let best: DatasetRec | undefined;
    for (const ds of this.datasets.values()) {
      const mp = this.mountpoint(ds.id);
      if ((path === mp || path.startsWith(`${mp}/`)) && (!best || mp.length > this.mountpoint(best.id).length)) best = ds;
    }
    if (!best) return undefined;
    const rel = path.slice(this.mountpoint(best.id).length).split("/").filter(Boolean);
    let node: FsNode | undefined = best.root;
    for (const seg of rel) node = node?.type === "DIRECTORY" ? node.children?.get(seg) : undefined;
    return { ds: best, node, isMount: rel.length === 0 };
  }

  /** Adds a directory (and missing parents) inside the dataset that holds `path`. */
  mkdir(path: string, mtime = Date.now() / 1000): FsNode {
    return this.#put(path, dir(mtime));
  }

  writeFile(path: string, size: number, mtime = Date.now() / 1000): FsNode {
    return this.#put(path, file(size, mtime));
  }

  /** Removes a plain file or folder (what `rm -rf` over SSH/AWX would do). Refuses a dataset mountpoint. */
  removePath(path: string): boolean {
    const r = this.resolve(path);
    if (!r?.node) return false;
    if (r.isMount) throw new Error(`${path} is the mountpoint of dataset ${r.ds.id}; rm cannot remove it`);
    const { parent, name } = this.#parentOf(path);
    return parent?.children?.delete(name) ?? false;
  }

  /** Copies `path` back from snapshot `snapshotId` (as `cp -a .zfs/snapshot/<name>/...` would). */
  restorePath(path: string, snapshotId: string): boolean {
    const snap = this.snapshots.get(snapshotId);
    const r = this.resolve(path);
    if (!snap || !r || snap.dataset !== r.ds.id) return false;
    const rel = path.slice(this.mountpoint(r.ds.id).length).split("/").filter(Boolean);
    let node: FsNode | undefined = snap.tree;
    for (const seg of rel) node = node?.children?.get(seg);
    if (!node) return false;
    this.#put(path, clone(node));
    return true;
  }

  exists(path: string): boolean {
    return this.resolve(path)?.node !== undefined;
  }

  #parentOf(path: string): { parent: FsNode | undefined; name: string } {
    const i = path.lastIndexOf("/");
    return { parent: this.resolve(path.slice(0, i))?.node, name: path.slice(i + 1) };
  }

  #put(path: string, node: FsNode): FsNode {
    const r = this.resolve(path);
    if (!r) throw new Error(`${path} is not inside any dataset`);
    const rel = path.slice(this.mountpoint(r.ds.id).length).split("/").filter(Boolean);
    let cur = r.ds.root;
    for (const seg of rel.slice(0, -1)) {
      let next: FsNode | undefined = cur.children?.get(seg);
      if (!next) {
        next = dir(node.mtime);
        cur.children?.set(seg, next);
      }
      cur = next;
    }
    cur.children?.set(rel[rel.length - 1] ?? "", node);
    return node;
  }

  addDataset(id: string, root: FsNode = dir(Date.now() / 1000)): void {
    this.datasets.set(id, { id, root });
  }

  descendants(id: string): string[] {
    return [...this.datasets.keys()].filter((k) => k.startsWith(`${id}/`));
  }

  snapshot(dataset: string, name: string, recursive: boolean): SnapRec {
    if (!this.datasets.has(dataset)) throw callError("ENOENT", `Failed to snapshot ${dataset}@${name}: dataset does not exist`);
    const targets = [dataset, ...(recursive ? this.descendants(dataset) : [])];
    for (const t of targets) {
      if (this.snapshots.has(`${t}@${name}`)) throw callError("EEXIST", `Failed to snapshot ${dataset}@${name}: dataset already exists`);
    }
    const txg = ++this.#txg;
    for (const t of targets) {
      const ds = this.datasets.get(t);
      if (ds) this.snapshots.set(`${t}@${name}`, { dataset: t, name, txg, created: Date.now(), tree: clone(ds.root) });
    }
    return this.snapshots.get(`${dataset}@${name}`) as SnapRec;
  }

  rollback(id: string, recursive: boolean): void {
    const snap = this.snapshots.get(id);
    const ds = snap && this.datasets.get(snap.dataset);
    if (!snap || !ds) throw callError("ENOENT", `Snapshot ${id} does not exist`);
    const newer = [...this.snapshots.entries()].filter(([, s]) => s.dataset === snap.dataset && s.txg > snap.txg);
    if (newer.length > 0 && !recursive) {
      throw callError("EFAULT", `cannot rollback to '${id}': more recent snapshots or bookmarks exist\nuse '-r' to force deletion of the following snapshots and bookmarks:\n${newer.map(([k]) => k).join("\n")}`);
    }
    for (const [k] of newer) this.snapshots.delete(k);
    ds.root = clone(snap.tree);
  }

  rename(id: string, newName: string): void {
    if (!this.datasets.has(id)) throw callError("ENOENT", `cannot open '${id}': dataset does not exist`);
    if (this.datasets.has(newName)) throw callError("EEXIST", `cannot rename to '${newName}': dataset already exists`);
    const parent = newName.slice(0, newName.lastIndexOf("/"));
    if (!this.datasets.has(parent)) throw callError("ENOENT", `cannot rename to '${newName}': parent does not exist`);
    if (newName.split("/")[0] !== id.split("/")[0]) throw callError("EXDEV", `cannot rename to '${newName}': datasets must be within same pool`);
    for (const old of [id, ...this.descendants(id)]) {
      const moved = newName + old.slice(id.length);
      const rec = this.datasets.get(old) as DatasetRec;
      this.datasets.delete(old);
      this.datasets.set(moved, { id: moved, root: rec.root });
      for (const [k, s] of [...this.snapshots]) {
        if (s.dataset !== old) continue;
        this.snapshots.delete(k);
        this.snapshots.set(`${moved}@${s.name}`, { ...s, dataset: moved });
      }
    }
  }

  destroy(id: string, recursive: boolean): void {
    if (!this.datasets.has(id)) throw callError("ENOENT", `${id} does not exist`);
    const kids = this.descendants(id);
    if (kids.length > 0 && !recursive) throw callError("ENOTEMPTY", `Failed to delete dataset: cannot destroy '${id}': filesystem has children`);
    for (const d of [id, ...kids]) {
      this.datasets.delete(d);
      for (const [k, s] of [...this.snapshots]) if (s.dataset === d) this.snapshots.delete(k);
    }
  }

  // ---- wire encodings

  dirEntry(path: string, node: FsNode, isMount: boolean) {
    return {
      name: path.slice(path.lastIndexOf("/") + 1), path, realpath: node.type === "SYMLINK" ? (node.target ?? path) : path,
      type: node.type, size: node.size, allocation_size: Math.ceil(node.size / 4096) * 4096,
      mode: node.type === "DIRECTORY" ? 0o40775 : node.type === "SYMLINK" ? 0o120777 : 0o100664,
      mount_id: isMount ? 400 + this.#mountIdx(path) : 400, acl: false, uid: 568, gid: 568,
      is_mountpoint: isMount, is_ctldir: false, attributes: [], xattrs: [], zfs_attrs: node.type === "SYMLINK" ? null : ["ARCHIVE"],
    };
  }

  stat(path: string, node: FsNode, isMount: boolean) {
    const e = this.dirEntry(path, node, isMount);
    return {
      realpath: e.realpath, type: e.type, size: e.size, allocation_size: e.allocation_size, mode: e.mode, mount_id: e.mount_id,
      uid: 568, gid: 568, atime: node.mtime, mtime: node.mtime, ctime: node.mtime, btime: node.mtime, dev: 64, inode: 1000 + path.length,
      nlink: node.type === "DIRECTORY" ? 2 + (node.children?.size ?? 0) : 1, acl: false, is_mountpoint: isMount, is_ctldir: false,
      attributes: [], user: "apps", group: "apps",
    };
  }

  #mountIdx(path: string): number {
    return [...this.datasets.keys()].indexOf(path.slice(5));
  }

  datasetEntry(id: string): Record<string, unknown> {
    const ds = this.datasets.get(id) as DatasetRec;
    const used = treeSize(ds.root);
    const prop = (parsed: unknown, value: string, source = "NONE") => ({ parsed, rawvalue: String(parsed), value, source });
    return {
      id, type: "FILESYSTEM", name: id, pool: id.split("/")[0], encrypted: false, encryption_root: null, key_loaded: false,
      mountpoint: this.mountpoint(id), locked: false, readonly: prop(false, "off", "DEFAULT"),
      used: prop(used, `${(used / 2 ** 20).toFixed(2)}M`), available: prop(7.5 * 2 ** 40, "7.5T"),
      compression: prop("lz4", "LZ4", "INHERITED"), comments: prop("", "", "NONE"), user_properties: {},
      children: [...this.datasets.keys()].filter((k) => k.startsWith(`${id}/`) && !k.slice(id.length + 1).includes("/")).map((k) => this.datasetEntry(k)),
    };
  }

  snapshotEntry(id: string): Record<string, unknown> {
    const s = this.snapshots.get(id) as SnapRec;
    const prop = (parsed: unknown, value: string) => ({ value, rawvalue: String(parsed), source: "NONE", parsed });
    return {
      id, name: id, dataset: s.dataset, snapshot_name: s.name, pool: s.dataset.split("/")[0], type: "SNAPSHOT", createtxg: String(s.txg),
      properties: { creation: prop({ $date: s.created }, new Date(s.created).toUTCString()), used: prop(0, "0B"), referenced: prop(treeSize(s.tree), "-") },
    };
  }
}

/** The seeded homelab pools (see the file comment). */
export function seedZfs(zfs = new FakeZfs()): FakeZfs {
  const recent = day("2025-11-20");
  const app = (files: Record<string, number>) => dir(recent, Object.fromEntries(Object.entries(files).map(([k, v]) => [k, file(v, recent)])));
  const ocp = (date: string) =>
    dir(day(date), {
      "install-config.yaml": file(3_412, day(date)),
      "metadata.json": file(388, day(date)),
      auth: dir(day(date), { kubeconfig: file(12_050, day(date)), "kubeadmin-password": file(23, day(date)) }),
    });
  zfs.addDataset("Media", dir(day("2024-01-10")));
  zfs.addDataset("Media/backups", dir(day("2024-01-10"), { "ocp-keep": ocp("2024-09-10") }));
  zfs.addDataset(LAB_SHARE.dataset, dir(recent, {
    traefik: dir(recent, { "traefik.yml": file(2_048, recent), "acme.json": file(49_152, recent), dynamic: app({ "routers.yml": 1_536 }) }),
    portainer: dir(recent, { "portainer.db": file(1_258_291, recent), certs: app({ "cert.pem": 1_900, "key.pem": 1_704 }) }),
    grafana: dir(recent, { "grafana.db": file(26_214_400, recent), plugins: dir(recent) }),
    jellyfin: dir(recent, { config: app({ "system.xml": 5_120 }), cache: dir(recent) }),
    nextcloud: dir(recent, { config: app({ "config.php": 2_300 }), data: dir(recent) }),
    vaultwarden: app({ "db.sqlite3": 3_145_728, "rsa_key.pem": 1_675 }),
    "uptime-kuma": app({ "kuma.db": 8_388_608 }),
    [SEED_OCP.plain[0]]: ocp("2025-03-14"),
    [SEED_OCP.plain[1]]: ocp("2025-06-02"),
    [SEED_OCP.symlink]: { type: "SYMLINK", mtime: day("2024-09-10"), size: SEED_OCP.symlinkTarget.length, target: SEED_OCP.symlinkTarget },
  }));
  zfs.addDataset(`${LAB_SHARE.dataset}/${SEED_OCP.dataset}`, ocp("2024-11-30"));
  zfs.snapshot(LAB_SHARE.dataset, "auto-2025-11-01_00-00", true);
  return zfs;
}

// ---------------------------------------------------------------- query filters (`query_methods.rst` subset)

type Filter = [string, string, unknown] | ["OR", Filter[]];

function matches(item: Record<string, unknown>, f: Filter): boolean {
  if (f[0] === "OR") return (f[1] as Filter[]).some((g) => matches(item, g));
  const [field, op, want] = f as [string, string, unknown];
  const v = field.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], item);
  const ci = op.startsWith("C") && op.length > 1;
  const o = ci ? op.slice(1) : op;
  const a = ci && typeof v === "string" ? v.toLowerCase() : v;
  const b = ci && typeof want === "string" ? want.toLowerCase() : want;
  switch (o) {
    case "=": return a === b;
    case "!=": return a !== b;
    case ">": return (a as number) > (b as number);
    case ">=": return (a as number) >= (b as number);
    case "<": return (a as number) < (b as number);
    case "<=": return (a as number) <= (b as number);
    case "~": return typeof a === "string" && new RegExp(String(b)).test(a);
    case "in": return Array.isArray(b) && b.includes(a);
    case "nin": return Array.isArray(b) && !b.includes(a);
    case "^": return typeof a === "string" && a.startsWith(String(b));
    case "!^": return typeof a === "string" && !a.startsWith(String(b));
    case "$": return typeof a === "string" && a.endsWith(String(b));
    case "!$": return typeof a === "string" && !a.endsWith(String(b));
    default: throw validationError("query-filters", `Invalid operation: ${op}`);
  }
}

/** `filter_list(items, filters, options)`: select, order_by, offset, limit, count, get. */
function filterList(items: Record<string, unknown>[], filters: unknown, options: unknown): unknown {
  if (filters !== undefined && !Array.isArray(filters)) throw validationError("filters", "Input should be a valid list");
  const opts = (options ?? {}) as { select?: string[]; order_by?: string[]; limit?: number; offset?: number; count?: boolean; get?: boolean };
  let out = items.filter((i) => ((filters ?? []) as Filter[]).every((f) => matches(i, f)));
  for (const key of [...(opts.order_by ?? [])].reverse()) {
    const desc = key.startsWith("-");
    const k = desc ? key.slice(1) : key;
    out = [...out].sort((x, y) => ((x[k] as number) > (y[k] as number) ? 1 : (x[k] as number) < (y[k] as number) ? -1 : 0) * (desc ? -1 : 1));
  }
  if (opts.count) return out.length;
  out = out.slice(opts.offset ?? 0, opts.limit ? (opts.offset ?? 0) + opts.limit : undefined);
  if (opts.select) out = out.map((i) => Object.fromEntries(opts.select!.filter((k) => k in i).map((k) => [k, i[k]])));
  if (opts.get) {
    if (out.length === 0) throw callError("ENOENT", "No records found");
    return out[0];
  }
  return out;
}

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
