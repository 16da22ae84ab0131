/** The public option and guest types of the fake Proxmox VE cluster, its task record and wire constants. */

export interface FakeProxmoxOptions {
  /** `USER@REALM!TOKENID=SECRET`; default LAB_TOKENS.proxmox. */
  token?: string | undefined;
  /** Task duration unit in ms (a create takes 6 steps, start 2, stop 1, destroy 2). Default 500. */
  stepMs?: number | undefined;
  /** `GET /version` (default 9.1.3, release 9.1): the PVE release played. */
  version?: { version: string; release: string } | undefined;
  /** true: error bodies carry no `message` (pve-http-server < 5.2.0); the reason is only in the status line. */
  legacyErrors?: boolean | undefined;
  /** true: `/cluster/nextid` answers a JSON number; default a string, like real PVE (§0.7). */
  nextIdAsNumber?: boolean | undefined;
  /** Nodes listed as offline (their optional fields absent, requests proxied to them fail with 595). */
  offlineNodes?: string[] | undefined;
  /** Key and certificate it serves HTTPS with; default the lab's (labTls(): signed by the lab CA, for localhost). */
  tls?: { key: string; cert: string } | undefined;
  /** Clock in ms, for tests. */
  now?: (() => number) | undefined;
}

/** A guest as the fake holds it. Memory and disk in bytes. */
export interface FakeGuest {
  vmid: number;
  type: "qemu" | "lxc";
  name: string;
  node: string;
  status: "running" | "stopped";
  lock?: string | undefined;
  maxmem: number;
  maxcpu: number;
  maxdisk: number;
  tags?: string | undefined;
  startedAt?: number | undefined;
  /** Creation parameters exactly as decoded from the request (LXCs created through the API). */
  config: Record<string, string>;
}

/** A worker task as the fake holds it. */
export interface FakeTask {
  upid: string;
  node: string;
  pid: number;
  pstart: number;
  starttime: number;
  type: string;
  id: string;
  user: string;
  tokenid: string;
  endsAt: number;
  lines: { at: number; t: string }[];
  exitstatus?: string | undefined;
  /** Planned outcome: "OK", "WARNINGS: n" or an error text. */
  outcome: string;
  onSuccess: () => void;
  onFailure: () => void;
}

export const JSON_TYPE = "application/json;charset=UTF-8";
export const GiB = 1024 ** 3;
export const MiB = 1024 ** 2;
export const API = "/api2/json";
