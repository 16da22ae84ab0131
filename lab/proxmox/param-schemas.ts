// ---------------------------------------------------------------------------------------------
// Parameter schemas: the validation-relevant keys of PVE 9.1.3's apidoc (names, types, ranges,
// enums, patterns, formats), without the descriptions. The contract test compares them with
// test/fixtures/upstream/proxmox/apidoc-subset.json so they cannot drift.
// ---------------------------------------------------------------------------------------------

/** One property in PVE's JSONSchema dialect (booleans are 0/1, patterns are Perl regexes anchored by the server). */
export interface PveSchema {
  type?: string | undefined;
  optional?: number | undefined;
  minimum?: number | string | undefined;
  maximum?: number | undefined;
  minLength?: number | undefined;
  maxLength?: number | undefined;
  enum?: readonly string[] | undefined;
  pattern?: string | undefined;
  format?: string | Readonly<Record<string, PveSchema>> | undefined;
  default_key?: number | undefined;
  requires?: string | undefined;
}
/** An API method's `parameters`. Keys like `net[n]` stand for the numbered family `net0`, `net1`, ... */
export interface PveParams {
  additionalProperties: number;
  properties?: Readonly<Record<string, PveSchema>> | undefined;
}

const opt = (s: PveSchema): PveSchema => ({ type: "string", optional: 1, ...s });
const BOOL: PveSchema = { type: "boolean", optional: 1 };
const NODE: PveSchema = { type: "string", format: "pve-node" };
const VMID: PveSchema = { type: "integer", minimum: 100, maximum: 999999999, format: "pve-vmid" };
const STR: PveSchema = { type: "string" };
const MOUNT_OPTS = opt({
  pattern: "(?^:(?^:(discard|lazytime|noatime|nodev|noexec|nosuid))(;(?^:(discard|lazytime|noatime|nodev|noexec|nosuid)))*)",
});
const ROOTFS_FORMAT: Record<string, PveSchema> = {
  acl: BOOL,
  mountoptions: MOUNT_OPTS,
  quota: BOOL,
  replicate: BOOL,
  ro: BOOL,
  shared: BOOL,
  size: opt({ format: "disk-size" }),
  volume: { type: "string", format: "pve-lxc-mp-string", default_key: 1 },
};

const CREATE_LXC: PveParams = {
  additionalProperties: 0,
  properties: {
    arch: opt({ enum: ["amd64", "i386", "arm64", "armhf", "riscv32", "riscv64"] }),
    bwlimit: { type: "number", optional: 1, minimum: "0" },
    cmode: opt({ enum: ["shell", "console", "tty"] }),
    console: BOOL,
    cores: { type: "integer", optional: 1, minimum: 1, maximum: 8192 },
    cpulimit: { type: "number", optional: 1, minimum: 0, maximum: 8192 },
    cpuunits: { type: "integer", optional: 1, minimum: 0, maximum: 500000 },
    debug: BOOL,
    description: opt({ maxLength: 8192 }),
    "dev[n]": opt({
      format: {
        "deny-write": BOOL,
        gid: { type: "integer", optional: 1, minimum: 0 },
        mode: opt({ pattern: "0[0-7]{3}" }),
        path: opt({ format: "pve-lxc-dev-string", default_key: 1 }),
        uid: { type: "integer", optional: 1, minimum: 0 },
      },
    }),
    entrypoint: opt({ pattern: "(?^:[^\\x00-\\x08\\x10-\\x1F\\x7F]+)" }),
    env: opt({ pattern: "(?^:(?:\\w+=[^\\x00-\\x08\\x10-\\x1F\\x7F]*)(?:\\0\\w+=[^\\x00-\\x08\\x10-\\x1F\\x7F]*)*)" }),
    features: opt({
      format: { force_rw_sys: BOOL, fuse: BOOL, keyctl: BOOL, mknod: BOOL, mount: opt({ pattern: "(?^:[a-zA-Z0-9_; ]+)" }), nesting: BOOL },
    }),
    force: BOOL,
    "ha-managed": BOOL,
    hookscript: opt({ format: "pve-volume-id" }),
    hostname: opt({ maxLength: 255, format: "dns-name" }),
    "ignore-unpack-errors": BOOL,
    lock: opt({ enum: ["backup", "create", "destroyed", "disk", "fstrim", "migrate", "mounted", "rollback", "snapshot", "snapshot-delete"] }),
    memory: { type: "integer", optional: 1, minimum: 16 },
    "mp[n]": opt({ format: { ...ROOTFS_FORMAT, backup: BOOL, keepattrs: BOOL, mp: { type: "string", format: "pve-lxc-mp-string" } } }),
    nameserver: opt({ format: "lxc-ip-with-ll-iface-list" }),
    "net[n]": opt({
      format: {
        bridge: opt({ pattern: "[-_.\\w\\d]+" }),
        firewall: BOOL,
        gw: opt({ format: "ipv4" }),
        gw6: opt({ format: "ipv6" }),
        "host-managed": BOOL,
        hwaddr: opt({ format: "mac-addr" }),
        ip: opt({ format: "pve-ipv4-config" }),
        ip6: opt({ format: "pve-ipv6-config" }),
        link_down: BOOL,
        mtu: { type: "integer", optional: 1, minimum: 64, maximum: 65535 },
        name: { type: "string", pattern: "[-_.\\w\\d]+" },
        rate: { type: "number", optional: 1 },
        tag: { type: "integer", optional: 1, minimum: 1, maximum: 4094 },
        trunks: opt({ pattern: "(?^:\\d+(?:;\\d+)*)" }),
        type: opt({ enum: ["veth"] }),
      },
    }),
    node: NODE,
    onboot: BOOL,
    ostemplate: { type: "string", maxLength: 255 },
    ostype: opt({ enum: ["debian", "devuan", "ubuntu", "centos", "fedora", "opensuse", "archlinux", "alpine", "gentoo", "nixos", "unmanaged"] }),
    password: opt({ minLength: 5 }),
    pool: opt({ format: "pve-poolid" }),
    protection: BOOL,
    restore: BOOL,
    rootfs: opt({ format: ROOTFS_FORMAT }),
    searchdomain: opt({ format: "dns-name-list" }),
    "ssh-public-keys": opt({}),
    start: BOOL,
    startup: opt({ format: "pve-startup-order" }),
    storage: opt({ format: "pve-storage-id" }),
    swap: { type: "integer", optional: 1, minimum: 0 },
    tags: opt({ format: "pve-tag-list" }),
    template: BOOL,
    timezone: opt({ format: "pve-ct-timezone" }),
    tty: { type: "integer", optional: 1, minimum: 0, maximum: 6 },
    unique: { type: "boolean", optional: 1, requires: "restore" },
    unprivileged: BOOL,
    "unused[n]": opt({ format: { volume: { type: "string", format: "pve-volume-id", default_key: 1 } } }),
    vmid: VMID,
  },
};

/** Parameter schemas of the methods the fake serves, keyed `METHOD /path` as in the apidoc. */
export const PVE_PARAM_SCHEMAS: Readonly<Record<string, PveParams>> = {
  "GET /version": { additionalProperties: 0 },
  "GET /nodes": { additionalProperties: 0 },
  "GET /cluster/nextid": { additionalProperties: 0, properties: { vmid: { ...VMID, optional: 1 } } },
  "GET /cluster/resources": { additionalProperties: 0, properties: { type: opt({ enum: ["vm", "storage", "node", "sdn"] }) } },
  "GET /nodes/{node}/lxc": { additionalProperties: 0, properties: { node: NODE } },
  "POST /nodes/{node}/lxc": CREATE_LXC,
  "GET /nodes/{node}/lxc/{vmid}/status/current": { additionalProperties: 0, properties: { node: NODE, vmid: VMID } },
  "POST /nodes/{node}/lxc/{vmid}/status/start": { additionalProperties: 0, properties: { debug: BOOL, node: NODE, skiplock: BOOL, vmid: VMID } },
  // Not in the fixture subset (pve-container Status.pm / LXC.pm):
  "POST /nodes/{node}/lxc/{vmid}/status/stop": {
    additionalProperties: 0,
    properties: { node: NODE, "overrule-shutdown": BOOL, skiplock: BOOL, vmid: VMID },
  },
  "DELETE /nodes/{node}/lxc/{vmid}": {
    additionalProperties: 0,
    properties: { "destroy-unreferenced-disks": BOOL, force: BOOL, node: NODE, purge: BOOL, vmid: VMID },
  },
  // Also not in the fixture subset, written from the PVE API viewer (pve-container, qemu-server, pve-storage,
  // pve-manager Pool.pm and Tasks.pm) for the methods real clients (proxmoxer, community.general) call:
  "POST /nodes/{node}/lxc/{vmid}/status/shutdown": {
    additionalProperties: 0,
    properties: { forceStop: BOOL, node: NODE, timeout: { type: "integer", optional: 1, minimum: 0 }, vmid: VMID },
  },
  "GET /nodes/{node}/lxc/{vmid}/config": {
    additionalProperties: 0,
    properties: { current: BOOL, node: NODE, snapshot: opt({ maxLength: 40, format: "pve-configid" }), vmid: VMID },
  },
  "GET /nodes/{node}/qemu": { additionalProperties: 0, properties: { full: BOOL, node: NODE } },
  "GET /nodes/{node}/qemu/{vmid}/status/current": { additionalProperties: 0, properties: { node: NODE, vmid: VMID } },
  "GET /pools": { additionalProperties: 0, properties: { poolid: opt({ format: "pve-poolid" }), type: opt({ enum: ["qemu", "lxc", "storage"] }) } },
  "GET /storage": {
    additionalProperties: 0,
    properties: { type: opt({ enum: ["btrfs", "cephfs", "cifs", "dir", "esxi", "glusterfs", "iscsi", "iscsidirect", "lvm", "lvmthin", "nfs", "pbs", "rbd", "zfs", "zfspool"] }) },
  },
  "GET /storage/{storage}": { additionalProperties: 0, properties: { storage: { type: "string", format: "pve-storage-id" } } },
  "GET /nodes/{node}/storage": {
    additionalProperties: 0,
    properties: {
      content: opt({ format: "pve-storage-content-list" }), enabled: BOOL, format: BOOL, node: NODE,
      storage: opt({ format: "pve-storage-id" }), target: opt({ format: "pve-node" }),
    },
  },
  "GET /nodes/{node}/storage/{storage}/content": {
    additionalProperties: 0,
    properties: { content: opt({ format: "pve-storage-content" }), node: NODE, storage: { type: "string", format: "pve-storage-id" }, vmid: { ...VMID, optional: 1 } },
  },
  "GET /nodes/{node}/tasks": {
    additionalProperties: 0,
    properties: {
      errors: BOOL, limit: { type: "integer", optional: 1, minimum: 0 }, node: NODE, since: { type: "integer", optional: 1 },
      source: opt({ enum: ["archive", "active", "all"] }), start: { type: "integer", optional: 1, minimum: 0 },
      statusfilter: opt({}), typefilter: opt({}), until: { type: "integer", optional: 1 }, userfilter: opt({}), vmid: { ...VMID, optional: 1 },
    },
  },
  "GET /nodes/{node}/tasks/{upid}/status": { additionalProperties: 0, properties: { node: NODE, upid: STR } },
  "GET /nodes/{node}/tasks/{upid}/log": {
    additionalProperties: 0,
    properties: {
      download: BOOL,
      limit: { type: "integer", optional: 1, minimum: 0 },
      node: NODE,
      start: { type: "integer", optional: 1, minimum: 0 },
      upid: STR,
    },
  },
};
