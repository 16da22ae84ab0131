/** The in-memory ZFS behind the fake TrueNAS: datasets with their file trees, snapshots, rename and rollback. */
import { callError } from "./rpc-errors.ts";
// ---------------------------------------------------------------- in-memory ZFS

export interface FsNode {
  type: "DIRECTORY" | "FILE" | "SYMLINK";
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  target?: string | undefined;
  children?: Map<string, FsNode> | undefined;
}
export interface DatasetRec { id: string; root: FsNode }
export interface SnapRec { dataset: string; name: string; txg: number; created: number; tree: FsNode }

export const clone = (n: FsNode): FsNode => ({
  ...n,
  ...(n.children ? { children: new Map([...n.children].map(([k, v]) => [k, clone(v)])) } : {}),
});
export const dir = (mtime: number, entries: Record<string, FsNode> = {}): FsNode => ({ type: "DIRECTORY", mtime, size: 4096, children: new Map(Object.entries(entries)) });
export const file = (size: number, mtime: number): FsNode => ({ type: "FILE", mtime, size });
export const day = (iso: string) => Date.parse(`${iso}T03:00:00Z`) / 1000;
export const treeSize = (n: FsNode): number => n.size + [...(n.children?.values() ?? [])].reduce((a, c) => a + treeSize(c), 0);

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
