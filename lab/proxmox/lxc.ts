import { LAB_LXC_TEMPLATE, LAB_NODES } from "../homelab.ts";
import { GiB, MiB, type FakeGuest } from "./options.ts";
import { paramError, PveError } from "./errors.ts";
import type { ProxmoxState } from "./state.ts";
import { guestResource, isOnline } from "./resources.ts";
import { spawnTask } from "./tasks.ts";

/** The node named in the path must be a cluster member and reachable (PVE proxies the call to it). */
export function proxiedNode(st: ProxmoxState, p: Record<string, unknown>): string {
  const node = String(p.node);
  if (!(LAB_NODES as readonly string[]).includes(node)) {
    throw new PveError(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
  }
  if (!isOnline(st, node)) throw new PveError(595, "No route to host");
  return node;
}

/** The guests on the node named in the path. */
export function guestsOnNode(st: ProxmoxState, p: Record<string, unknown>): FakeGuest[] {
  const node = proxiedNode(st, p);
  return [...st.guests.values()].filter((g) => g.node === node);
}

function checkPerm(st: ProxmoxState, privilege: string, path?: string): void {
  if (st.denied.has(privilege)) {
    throw new PveError(403, path ? `Permission check failed (${path}, ${privilege})` : "Permission check failed");
  }
}

/**
 * pve-container's check_ct_modify_config_perm for `features`: only root@pam may set them on a privileged
 * container, and anyone else (every API token, even root@pam's) only `nesting`; keyctl, fuse, mount, mknod
 * and force_rw_sys need root@pam. PVE 8 and 9 alike.
 */
function checkFeatures(st: ProxmoxState, p: Record<string, unknown>): void {
  if (p.features === undefined) return;
  const isRoot = !st.token.includes("!") && st.token.startsWith("root@pam");
  if (isRoot) return;
  // The API's default for `unprivileged` on create is 1 from PVE 9 on, 0 before.
  const pve8 = (st.opts.version?.version ?? "9").startsWith("8");
  if (String(p.unprivileged ?? (pve8 ? "0" : "1")) !== "1") {
    throw new PveError(403, "Permission check failed (changing feature flags for privileged container is only allowed for root@pam)");
  }
  const others = String(p.features).split(",").map((kv) => kv.split("=")[0]!.trim()).filter((k) => k && k !== "nesting");
  if (others.length) throw new PveError(403, "Permission check failed (changing feature flags (except nesting) is only allowed for root@pam)");
}

/** An existing container on that node (PVE::LXC::Config->load_config). */
export function existingCt(st: ProxmoxState, p: Record<string, unknown>, privilege: string): FakeGuest {
  const node = proxiedNode(st, p);
  const vmid = Number(p.vmid);
  checkPerm(st, privilege, `/vms/${vmid}`);
  const g = st.guests.get(vmid);
  if (!g || g.type !== "lxc" || g.node !== node) {
    throw new PveError(500, `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
  }
  return g;
}

/** GET /nodes/{node}/lxc/{vmid}/status/current (and the entries of GET /nodes/{node}/lxc). */
export function lxcStatus(st: ProxmoxState, g: FakeGuest) {
  const r = guestResource(st, g);
  return {
    vmid: g.vmid,
    name: g.name,
    status: g.status,
    ha: { managed: 0 },
    cpus: g.maxcpu,
    cpu: r.cpu,
    maxmem: g.maxmem,
    mem: r.mem,
    maxswap: 512 * MiB,
    swap: 0,
    maxdisk: g.maxdisk,
    disk: r.disk,
    uptime: r.uptime,
    netin: 0,
    netout: 0,
    diskread: 0,
    diskwrite: 0,
    type: "lxc",
    ...(g.tags ? { tags: g.tags } : {}),
    ...(g.lock ? { lock: g.lock } : {}),
  };
}

/** pve-container API2/LXC.pm create_vm: checks in the upstream order, then a `vzcreate` worker. */
export function createLxc(st: ProxmoxState, p: Record<string, unknown>): string {
  const node = proxiedNode(st, p);
  const vmid = Number(p.vmid);
  const existing = st.guests.get(vmid);
  // PVE::Cluster::check_vmid_unused dies with a plain message, so this is a 500, not a 400.
  if (existing) throw new PveError(500, `${existing.type === "qemu" ? "VM" : "CT"} ${vmid} already exists on node '${existing.node}'`);
  const keys = p["ssh-public-keys"];
  if (keys !== undefined && !validSshKeys(String(keys))) throw new PveError(500, "SSH public key validation error");
  checkPerm(st, "VM.Allocate");
  checkFeatures(st, p);
  const ostemplate = String(p.ostemplate);
  if (ostemplate !== LAB_LXC_TEMPLATE) throw new PveError(500, `can't find file '${ostemplate}'`);
  const rootfs = p.rootfs === undefined ? undefined : String(p.rootfs);
  // A bare number is a size on the `storage` parameter's storage (default "local"), as in create_vm.
  const onStorage = rootfs === undefined || /^\d+(\.\d+)?$/.test(rootfs);
  const storage = onStorage ? String(p.storage ?? "local") : (/^(?:volume=)?([^:,]+):/.exec(rootfs)?.[1] ?? "");
  if (storage !== "local-lvm" && storage !== "local") throw new PveError(500, `storage '${storage}' does not exist`);
  if (storage === "local") throw paramError({ storage: "storage 'local' does not support container directories" });

  const config = Object.fromEntries(Object.entries(p).map(([k, v]) => [k, String(v)]));
  const guest: FakeGuest = {
    vmid,
    type: "lxc",
    name: config.hostname ?? `CT${vmid}`,
    node,
    status: "stopped",
    lock: "create", // the config is written (and the VMID taken) when the worker starts
    maxmem: Number(config.memory ?? 512) * MiB,
    maxcpu: Number(config.cores ?? 1),
    maxdisk: diskSize(rootfs),
    tags: config.tags,
    config,
  };
  st.guests.set(vmid, guest);
  const start = config.start === "1";
  const volume = `vm-${vmid}-disk-0`;
  const lines = [
    `  Logical volume "${volume}" created.`,
    `Creating filesystem with ${guest.maxdisk / 4096} 4k blocks and ${guest.maxdisk / 16384} inodes`,
    `extracting archive '/var/lib/vz/template/cache/${ostemplate.split("/").pop()}'`,
    "Total bytes read: 503388160 (481MiB, 173MiB/s)",
    "Detected container architecture: amd64",
    "Creating SSH host key 'ssh_host_ed25519_key' - this may take some time ...",
    `done: SHA256:Jb1mW5rN0aP4e2s9vK7cQxYzT3uL8oH6dF1gA2bC4eE root@${guest.name}`,
    ...(start ? ["starting container", `CT ${vmid} started`] : []),
  ];
  return spawnTask(st, node, "vzcreate", String(vmid), lines, 6, {
    onSuccess: () => {
      guest.lock = undefined;
      if (start) Object.assign(guest, { status: "running", startedAt: st.now() });
    },
    onFailure: () => st.guests.delete(vmid), // destroy_disks + destroy_config
  });
}

/** POST /nodes/{node}/lxc/{vmid}/status/start: a `vzstart` worker. */
export function startLxc(st: ProxmoxState, p: Record<string, unknown>): string {
  const g = existingCt(st, p, "VM.PowerMgmt");
  if (g.status === "running") throw new PveError(500, `CT ${g.vmid} already running`);
  if (g.lock) throw new PveError(500, `CT is locked (${g.lock})`);
  return spawnTask(st, g.node, "vzstart", String(g.vmid), [], 2, {
    onSuccess: () => Object.assign(g, { status: "running", startedAt: st.now() }),
    onFailure: () => undefined,
  });
}

/** POST /nodes/{node}/lxc/{vmid}/status/stop: a `vzstop` worker. */
export function stopLxc(st: ProxmoxState, p: Record<string, unknown>): string {
  const g = existingCt(st, p, "VM.PowerMgmt");
  if (g.status !== "running") throw new PveError(500, `CT ${g.vmid} not running`);
  return spawnTask(st, g.node, "vzstop", String(g.vmid), [], 1, {
    onSuccess: () => Object.assign(g, { status: "stopped", startedAt: undefined }),
    onFailure: () => undefined,
  });
}

/** DELETE /nodes/{node}/lxc/{vmid}: a `vzdestroy` worker. */
export function deleteLxc(st: ProxmoxState, p: Record<string, unknown>): string {
  const g = existingCt(st, p, "VM.Allocate");
  if (g.lock) throw new PveError(500, `CT is locked (${g.lock})`);
  if (g.status === "running") throw new PveError(500, `unable to destroy CT ${g.vmid} - container is running`);
  g.lock = "destroyed";
  const lines = [`  Logical volume "vm-${g.vmid}-disk-0" successfully removed.`];
  return spawnTask(st, g.node, "vzdestroy", String(g.vmid), lines, 2, {
    onSuccess: () => st.guests.delete(g.vmid),
    onFailure: () => void (g.lock = undefined),
  });
}

/** PVE::Tools::validate_ssh_public_keys runs ssh-keygen -l over the lines; this checks their shape. */
function validSshKeys(text: string): boolean {
  const key = /^(?:ssh-(?:rsa|dss|ed25519)|ecdsa-sha2-nistp(?:256|384|521)|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com)\s+[A-Za-z0-9+/]+={0,3}(?:\s.*)?$/;
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
  return lines.length > 0 && lines.every((l) => key.test(l));
}

/** Root disk size in bytes from `STORAGE:SIZE_GiB` or `size=NG`; PVE's default is 4 GiB. */
function diskSize(rootfs: string | undefined): number {
  const simple = rootfs && /^(?:(?:volume=)?[^:,]+:)?(\d+(?:\.\d+)?)(?:,|$)/.exec(rootfs);
  if (simple) return Math.round(Number(simple[1]) * GiB);
  const size = rootfs && /(?:^|,)size=(\d+(?:\.\d+)?)([KMGT])?(?:,|$)/.exec(rootfs);
  if (size) return Math.round(Number(size[1]) * 1024 ** ("BKMGT".indexOf(size[2] ?? "B") || 0));
  return 4 * GiB;
}
