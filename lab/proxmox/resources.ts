import { LAB_NODES } from "../homelab.ts";
import { GiB, type FakeGuest } from "./options.ts";
import { paramError } from "./errors.ts";
import type { ProxmoxState } from "./state.ts";

/** Whether a node is up (not in `offlineNodes`). */
export function isOnline(st: ProxmoxState, node: string): boolean {
  return !(st.opts.offlineNodes ?? []).includes(node);
}

/** A node as GET /nodes and /cluster/resources list it. */
export function nodeEntry(st: ProxmoxState, node: string) {
  const base = { node, id: `node/${node}`, type: "node", status: isOnline(st, node) ? "online" : "offline" };
  if (!isOnline(st, node)) return base;
  const maxmem = 64 * GiB;
  const used = [...st.guests.values()]
    .filter((g) => g.node === node && g.status === "running")
    .reduce((sum, g) => sum + Math.round(g.maxmem * 0.6), 0);
  return {
    ...base,
    level: "",
    cpu: 0.05 + used / maxmem / 4,
    maxcpu: 16,
    mem: 3 * GiB + used,
    maxmem,
    disk: 12 * GiB,
    maxdisk: 100 * GiB,
    uptime: Math.floor((st.now() - st.bootedAt) / 1000),
    ssl_fingerprint: fingerprint(node),
  };
}

/** GET /cluster/nextid. */
export function nextVmid(st: ProxmoxState, p: Record<string, unknown>): number | string {
  if (p.vmid !== undefined) {
    if (st.guests.has(Number(p.vmid))) throw paramError({ vmid: `VM ${Number(p.vmid)} already exists` });
    return st.opts.nextIdAsNumber ? Number(p.vmid) : String(p.vmid);
  }
  let id = 100;
  while (st.guests.has(id)) id++;
  return st.opts.nextIdAsNumber ? id : String(id);
}

/** GET /cluster/resources, optionally of one type. */
export function clusterResources(st: ProxmoxState, type: string | undefined): unknown[] {
  const out: unknown[] = [];
  if (!type || type === "node") out.push(...LAB_NODES.map((n) => nodeEntry(st, n)));
  if (!type || type === "storage") {
    for (const node of LAB_NODES) {
      const status = isOnline(st, node) ? "available" : "unknown";
      out.push(
        { id: `storage/${node}/local`, type: "storage", storage: "local", node, status, plugintype: "dir", content: "iso,vztmpl,backup", shared: 0, disk: 9 * GiB, maxdisk: 94 * GiB },
        { id: `storage/${node}/local-lvm`, type: "storage", storage: "local-lvm", node, status, plugintype: "lvmthin", content: "images,rootdir", shared: 0, disk: 80 * GiB, maxdisk: 800 * GiB },
      );
    }
  }
  if (!type || type === "vm") out.push(...[...st.guests.values()].sort((a, b) => a.vmid - b.vmid).map((g) => guestResource(st, g)));
  return out;
}

/** A guest as /cluster/resources lists it. */
export function guestResource(st: ProxmoxState, g: FakeGuest) {
  const running = g.status === "running" && isOnline(st, g.node);
  return {
    id: `${g.type}/${g.vmid}`,
    type: g.type,
    vmid: g.vmid,
    name: g.name,
    node: g.node,
    status: isOnline(st, g.node) ? g.status : "unknown",
    template: 0,
    maxmem: g.maxmem,
    mem: running ? Math.round(g.maxmem * 0.6) : 0,
    maxcpu: g.maxcpu,
    cpu: running ? 0.02 : 0,
    maxdisk: g.maxdisk,
    disk: running ? Math.round(g.maxdisk * 0.3) : 0,
    uptime: running && g.startedAt ? Math.floor((st.now() - g.startedAt) / 1000) : 0,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    ...(g.tags ? { tags: g.tags } : {}),
    ...(g.lock ? { lock: g.lock } : {}),
  };
}

function fingerprint(node: string): string {
  const bytes = Array.from({ length: 32 }, (_, i) => ((node.charCodeAt(i % node.length) * (i + 7)) & 0xff).toString(16).padStart(2, "0"));
  return bytes.join(":").toUpperCase();
}
