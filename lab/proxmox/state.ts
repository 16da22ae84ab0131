import { FakeHttpServer } from "../fake-http.ts";
import { labTls } from "../lab-tls.ts";
import { LAB_HOSTS, LAB_TOKENS } from "../homelab.ts";
import { GiB, type FakeGuest, type FakeProxmoxOptions, type FakeTask } from "./options.ts";

/** Everything a fake Proxmox cluster holds; the route, container, resource and task modules share it. */
export interface ProxmoxState {
  readonly http: FakeHttpServer;
  readonly token: string;
  readonly opts: FakeProxmoxOptions;
  readonly stepMs: number;
  readonly now: () => number;
  readonly guests: Map<number, FakeGuest>;
  readonly tasks: Map<string, FakeTask>;
  readonly failNext: Map<string, string>;
  readonly denied: Set<string>;
  readonly known: { method: string; regex: RegExp }[];
  readonly bootedAt: number;
  pid: number;
}

/** A cluster booted 12 days ago, with the lab's VMs and LXCs running. */
export function createProxmoxState(opts: FakeProxmoxOptions): ProxmoxState {
  const now = opts.now ?? Date.now;
  const st: ProxmoxState = {
    http: new FakeHttpServer("proxmox", { tls: opts.tls ?? labTls() }),
    token: opts.token ?? LAB_TOKENS.proxmox,
    opts,
    stepMs: opts.stepMs ?? 500,
    now,
    guests: new Map(),
    tasks: new Map(),
    failNext: new Map(),
    denied: new Set(),
    known: [],
    bootedAt: now() - 12 * 86_400_000,
    pid: 0x2f1c4,
  };
  seedGuests(st);
  return st;
}

/** The user and token id of the API token, as they appear in UPIDs. */
export function tokenUser(st: ProxmoxState): { user: string; tokenid: string } {
  const m = /^(.+)!([^=]+)=/.exec(st.token);
  return { user: m?.[1] ?? "root@pam", tokenid: m?.[2] ?? "" };
}

function seedGuests(st: ProxmoxState): void {
  for (const h of LAB_HOSTS) {
    if ((h.kind !== "vm" && h.kind !== "lxc") || !h.node || !h.vmid) continue;
    const lxc = h.kind === "lxc";
    const big = h.role === "openshift" ? 4 : h.role === "automation" ? 2 : 1;
    st.guests.set(h.vmid, {
      vmid: h.vmid,
      type: lxc ? "lxc" : "qemu",
      name: h.name,
      node: h.node,
      status: "running",
      maxmem: (lxc ? 1 : 4 * big) * GiB,
      maxcpu: lxc ? 1 : 2 * big,
      maxdisk: (lxc ? 8 : 32 * big) * GiB,
      tags: h.role,
      startedAt: st.bootedAt + 3_600_000,
      config: {},
    });
  }
}
