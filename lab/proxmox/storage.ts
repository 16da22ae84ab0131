import { LAB_LXC_TEMPLATE } from "../homelab.ts";
import { GiB } from "./options.ts";
import { PveError } from "./errors.ts";
import type { ProxmoxState } from "./state.ts";
import { proxiedNode } from "./lxc.ts";
import { isOnline } from "./resources.ts";

/** The cluster's storage.cfg: a `dir` storage for templates and backups, an LVM-thin pool for guest disks. */
const STORAGE_CFG = [
  { storage: "local", type: "dir", path: "/var/lib/vz", content: "iso,vztmpl,backup", "prune-backups": "keep-all=1", digest: "3f1b0c5e8a7d4b2c9e6f1a0d3c5b7e9f2a4c6e8b" },
  { storage: "local-lvm", type: "lvmthin", thinpool: "data", vgname: "pve", content: "images,rootdir", digest: "3f1b0c5e8a7d4b2c9e6f1a0d3c5b7e9f2a4c6e8b" },
] as const;

const SIZES: Record<string, { total: number; used: number }> = {
  local: { total: 94 * GiB, used: 9 * GiB },
  "local-lvm": { total: 800 * GiB, used: 80 * GiB },
};

/** GET /storage: the storage configuration, optionally of one type (pve-storage API2/Storage/Config.pm index). */
export function storageIndex(p: Record<string, unknown>): unknown[] {
  return STORAGE_CFG.filter((s) => p.type === undefined || s.type === p.type).map((s) => ({ ...s }));
}

/** GET /storage/{storage}: one storage's configuration. */
export function storageConfig(p: Record<string, unknown>): unknown {
  const s = STORAGE_CFG.find((x) => x.storage === p.storage);
  if (!s) throw new PveError(500, `storage '${String(p.storage)}' does not exist`);
  return { ...s };
}

/** GET /nodes/{node}/storage: each storage's status on that node (API2/Storage/Status.pm index). */
export function nodeStorage(st: ProxmoxState, p: Record<string, unknown>): unknown[] {
  const node = proxiedNode(st, p);
  return STORAGE_CFG
    .filter((s) => p.content === undefined || s.content.split(",").includes(String(p.content)))
    .filter((s) => p.storage === undefined || s.storage === p.storage)
    .map((s) => {
      const { total, used } = SIZES[s.storage]!;
      return { storage: s.storage, type: s.type, content: s.content, active: isOnline(st, node) ? 1 : 0, enabled: 1, shared: 0, total, used, avail: total - used, used_fraction: used / total };
    });
}

/** GET /nodes/{node}/storage/{storage}/content: volumes, optionally of one content type or one guest's. */
export function storageContent(st: ProxmoxState, p: Record<string, unknown>): unknown[] {
  proxiedNode(st, p);
  const storage = String(p.storage);
  if (!STORAGE_CFG.some((s) => s.storage === storage)) throw new PveError(500, `storage '${storage}' does not exist`);
  const volumes: { volid: string; content: string; format: string; size: number; ctime?: number; vmid?: number }[] = [];
  if (storage === "local") {
    volumes.push({ volid: LAB_LXC_TEMPLATE, content: "vztmpl", format: "tzst", size: 126_312_338, ctime: 1_727_481_600 });
    volumes.push({ volid: "local:iso/debian-12.7.0-amd64-netinst.iso", content: "iso", format: "iso", size: 661_651_456, ctime: 1_725_062_400 });
  } else {
    for (const g of [...st.guests.values()].filter((x) => x.node === String(p.node)).sort((a, b) => a.vmid - b.vmid)) {
      const content = g.type === "lxc" ? "rootdir" : "images";
      volumes.push({ volid: `local-lvm:vm-${g.vmid}-disk-0`, content, format: "raw", size: g.maxdisk, vmid: g.vmid });
    }
  }
  return volumes.filter((v) => (p.content === undefined || v.content === p.content) && (p.vmid === undefined || v.vmid === Number(p.vmid)));
}

/** GET /pools: the resource pools (PVE 8+: `poolid` and `comment`; members only with ?poolid). */
export function poolIndex(st: ProxmoxState, p: Record<string, unknown>): unknown[] {
  const pools = [{ poolid: "homelab", comment: "Homelab guests" }, { poolid: "runners", comment: "GitHub Actions runners" }];
  const out = pools.filter((x) => p.poolid === undefined || x.poolid === p.poolid);
  if (p.poolid === undefined) return out;
  return out.map((x) => ({
    ...x,
    members: [...st.guests.values()].filter((g) => (x.poolid === "runners") === (g.tags === "ci-runner"))
      .map((g) => ({ id: `${g.type}/${g.vmid}`, type: g.type, vmid: g.vmid, node: g.node, name: g.name, status: g.status })),
  }));
}
