import { LAB_HOSTS } from "../homelab.ts";
import { MiB, type FakeGuest } from "./options.ts";
import { PveError } from "./errors.ts";
import type { ProxmoxState } from "./state.ts";
import { guestResource } from "./resources.ts";
import { existingCt, guestsOnNode, proxiedNode } from "./lxc.ts";
import { spawnTask } from "./tasks.ts";

/** QEMU guests and the LXC methods beyond create/start/stop/destroy: config and a clean shutdown. */

function qemuOnNode(st: ProxmoxState, p: Record<string, unknown>): FakeGuest {
  const node = proxiedNode(st, p);
  const g = st.guests.get(Number(p.vmid));
  if (!g || g.type !== "qemu" || g.node !== node) throw new PveError(500, `Configuration file 'nodes/${node}/qemu-server/${Number(p.vmid)}.conf' does not exist`);
  return g;
}

/** GET /nodes/{node}/qemu/{vmid}/status/current (and the entries of GET /nodes/{node}/qemu). */
export function qemuStatus(st: ProxmoxState, g: FakeGuest) {
  const r = guestResource(st, g);
  const running = g.status === "running";
  return {
    vmid: g.vmid, name: g.name, status: g.status, qmpstatus: g.status, ha: { managed: 0 }, cpus: g.maxcpu, cpu: r.cpu,
    maxmem: g.maxmem, mem: r.mem, maxdisk: g.maxdisk, disk: 0, uptime: r.uptime, netin: 0, netout: 0, diskread: 0, diskwrite: 0,
    ...(running ? { pid: 4000 + g.vmid, "running-machine": "pc-i440fx-9.2+pve1", "running-qemu": "9.2.0" } : {}),
    ...(g.tags ? { tags: g.tags } : {}),
    ...(g.lock ? { lock: g.lock } : {}),
  };
}

/** GET /nodes/{node}/qemu. */
export function qemuIndex(st: ProxmoxState, p: Record<string, unknown>) {
  return guestsOnNode(st, p).filter((g) => g.type === "qemu").map((g) => qemuStatus(st, g));
}

/** GET /nodes/{node}/qemu/{vmid}/status/current. */
export function qemuCurrent(st: ProxmoxState, p: Record<string, unknown>) {
  return qemuStatus(st, qemuOnNode(st, p));
}

/** GET /nodes/{node}/lxc/{vmid}/config: what was created, or what the seeded containers were made with. */
export function lxcConfig(st: ProxmoxState, p: Record<string, unknown>) {
  const g = existingCt(st, p, "VM.Audit");
  const ip = LAB_HOSTS.find((h) => h.vmid === g.vmid)?.ip;
  const seeded = {
    arch: "amd64", ostype: "debian", hostname: g.name, cores: g.maxcpu, memory: g.maxmem / MiB, swap: 512,
    rootfs: `local-lvm:vm-${g.vmid}-disk-0,size=${Math.round(g.maxdisk / 1024 ** 3)}G`, unprivileged: 1, features: "nesting=1",
    net0: `name=eth0,bridge=vmbr0,hwaddr=BC:24:11:00:${(g.vmid >> 8).toString(16).padStart(2, "0").toUpperCase()}:${(g.vmid & 255).toString(16).padStart(2, "0").toUpperCase()},ip=${ip ? `${ip}/24,gw=10.20.10.1` : "dhcp"},type=veth`,
  };
  const created = Object.keys(g.config).length > 0 ? { ...g.config, hostname: g.config.hostname ?? g.name } : seeded;
  return { ...created, ...(g.tags ? { tags: g.tags } : {}), ...(g.lock ? { lock: g.lock } : {}), digest: "b7c2e19f0a4d6e8c1b3f5a7d9e0c2b4a6f8d0e1c" };
}

/** POST /nodes/{node}/lxc/{vmid}/status/shutdown: a `vzshutdown` worker (forceStop stops it when the timeout passes). */
export function shutdownLxc(st: ProxmoxState, p: Record<string, unknown>): string {
  const g = existingCt(st, p, "VM.PowerMgmt");
  if (g.status !== "running") throw new PveError(500, `CT ${g.vmid} not running`);
  return spawnTask(st, g.node, "vzshutdown", String(g.vmid), [], 2, {
    onSuccess: () => Object.assign(g, { status: "stopped", startedAt: undefined }),
    onFailure: () => undefined,
  });
}
