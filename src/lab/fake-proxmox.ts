import { isIP } from "node:net";
import { FakeHttpServer, type FakeRequest, type FakeResponse } from "./fake-http.ts";
import { LAB_HOSTS, LAB_LXC_TEMPLATE, LAB_NODES, LAB_TOKENS } from "./homelab.ts";

/**
 * The simulated Proxmox VE 9.1 cluster behind `/api2/json`: the `{"data": ...}` envelope, API-token auth,
 * parameter verification the way pve-common's JSONSchema.pm does it (same messages, 400 with `errors`),
 * asynchronous worker tasks with UPIDs, task logs and exit statuses, and the error shapes of
 * pve-http-server before and after 5.2.0 (`legacyErrors`). See ../shared/docs/api-contracts.md §3.
 *
 * NOTE for the lead: this file is over the house size; the parameter validator and schema tables
 * (`validatePveParams`, `PVE_PARAM_SCHEMAS`) would split cleanly into `pve-params.ts`.
 */
export interface FakeProxmoxOptions {
  /** `USER@REALM!TOKENID=SECRET`; default LAB_TOKENS.proxmox. */
  token?: string | undefined;
  /** Task duration unit in ms (a create takes 6 steps, start 2, stop 1, destroy 2). Default 500. */
  stepMs?: number | undefined;
  /** true: error bodies carry no `message` (pve-http-server < 5.2.0); the reason is only in the status line. */
  legacyErrors?: boolean | undefined;
  /** true: `/cluster/nextid` answers a JSON number; default a string, like real PVE (§0.7). */
  nextIdAsNumber?: boolean | undefined;
  /** Nodes listed as offline (their optional fields absent, requests proxied to them fail with 595). */
  offlineNodes?: string[] | undefined;
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

interface FakeTask {
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

const JSON_TYPE = "application/json;charset=UTF-8";
const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const API = "/api2/json";

// ---------------------------------------------------------------------------------------------
// Parameter schemas: the validation-relevant keys of PVE 9.1.3's apidoc (names, types, ranges,
// enums, patterns, formats), without the descriptions. The contract test compares them with
// ../shared/fixtures/upstream/proxmox/apidoc-subset.json so they cannot drift.
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

// ---------------------------------------------------------------------------------------------
// Validation, after pve-common src/PVE/JSONSchema.pm (check_object, check_prop, check_type,
// check_format, parse_property_string). Messages are the upstream ones.
// ---------------------------------------------------------------------------------------------

/** Highest index + 1 of the numbered parameter families (pve-container: 32 NICs, 256 mount points/devices). */
const FAMILY_SIZE: Record<string, number> = { net: 32, mp: 256, dev: 256, unused: 256 };
const IS_NUMBER = /^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$/;

/** Validates request parameters like PVE; returns the `errors` object of a 400, or undefined when valid. */
export function validatePveParams(schema: PveParams, params: Record<string, unknown>): Record<string, string> | undefined {
  const errors: Record<string, string> = {};
  checkObject("", schema.properties ?? {}, params, schema.additionalProperties, errors);
  return Object.keys(errors).length > 0 ? errors : undefined;
}

function schemaFor(props: Readonly<Record<string, PveSchema>>, key: string): PveSchema | undefined {
  if (Object.hasOwn(props, key)) return props[key];
  const m = /^([a-z]+)(\d+)$/.exec(key);
  if (!m || String(Number(m[2])) !== m[2]) return undefined;
  const family = props[`${m[1]}[n]`];
  return family && Number(m[2]) < (FAMILY_SIZE[m[1]!] ?? 0) ? family : undefined;
}

function checkObject(
  path: string,
  props: Readonly<Record<string, PveSchema>>,
  value: Record<string, unknown>,
  additional: number,
  errors: Record<string, string>,
): void {
  const at = (k: string) => (path ? `${path}.${k}` : k);
  for (const [k, s] of Object.entries(props)) if (!k.endsWith("[n]")) checkProp(value[k], s, at(k), errors);
  for (const k of Object.keys(value)) {
    const s = schemaFor(props, k);
    if (s) {
      if (s.requires && value[s.requires] === undefined) {
        addError(errors, at(s.requires), `missing property - '${at(k)}' requires this property`);
      }
      if (!Object.hasOwn(props, k)) checkProp(value[k], s, at(k), errors);
      continue;
    }
    if (!additional) {
      addError(errors, at(k), "property is not defined in schema and the schema does not allow additional properties");
    }
  }
}

function addError(errors: Record<string, string>, path: string, msg: string): void {
  const key = path || "_root";
  errors[key] = errors[key] ? `${errors[key]}\\n${msg}` : msg;
}

function checkProp(value: unknown, s: PveSchema, path: string, errors: Record<string, string>): void {
  if (value === undefined || value === null) {
    if (!s.optional) addError(errors, path, "property is missing and it is not optional");
    return;
  }
  const typeError = checkType(s.type, value);
  if (typeError) return addError(errors, path, typeError);
  if (typeof value === "boolean") return;
  const str = String(value);
  if (s.format) {
    const err = checkFormat(s.format, str, path);
    if (err) return addError(errors, path, `invalid format - ${err}`);
  }
  if (s.pattern && !new RegExp(`^${perlRegex(s.pattern)}$`).test(str)) {
    return addError(errors, path, "value does not match the regex pattern");
  }
  if (s.maxLength !== undefined && str.length > s.maxLength) {
    return addError(errors, path, `value may only be ${s.maxLength} characters long`);
  }
  if (s.minLength !== undefined && str.length < s.minLength) {
    return addError(errors, path, `value must be at least ${s.minLength} characters long`);
  }
  if (IS_NUMBER.test(str)) {
    if (s.maximum !== undefined && Number(str) > Number(s.maximum)) {
      return addError(errors, path, `value must have a maximum value of ${s.maximum}`);
    }
    if (s.minimum !== undefined && Number(str) < Number(s.minimum)) {
      return addError(errors, path, `value must have a minimum value of ${s.minimum}`);
    }
  }
  if (s.enum && !s.enum.includes(str)) {
    addError(errors, path, `value '${str}' does not have a value in the enumeration '${s.enum.join(", ")}'`);
  }
}

function checkType(type: string | undefined, value: unknown): string | undefined {
  if (!type || type === "any") return undefined;
  if (typeof value === "object") return `type check ('${type}') failed - got ${Array.isArray(value) ? "ARRAY" : "HASH"}`;
  // A JSON true/false is a JSON::PP::Boolean reference in Perl: fine for booleans, a type error otherwise.
  if (typeof value === "boolean") return type === "boolean" ? undefined : `type check ('${type}') failed - got JSON::PP::Boolean`;
  const str = String(value);
  const ok =
    type === "string" ||
    (type === "boolean" && (str === "1" || str === "0")) ||
    (type === "integer" && /^[+-]?\d+$/.test(str)) ||
    (type === "number" && IS_NUMBER.test(str));
  return ok ? undefined : `type check ('${type}') failed - got '${str}'`;
}

/** Perl's `(?^:...)` (a group with default flags) is JavaScript's `(?:...)`. */
function perlRegex(p: string): string {
  return p.replaceAll("(?^:", "(?:");
}

/** PVE::Tools::split_list. */
function splitList(text: string): string[] {
  if (text.includes("\0")) return text.split("\0");
  return text.replace(/[,;]/g, " ").trim().split(/\s+/).filter(Boolean);
}

const DNS_LABEL = "([a-zA-Z0-9]([a-zA-Z0-9\\-]*[a-zA-Z0-9])?)";
const cidr = (v: string, family: 4 | 6) => {
  const m = /^(.+)\/(\d+)$/.exec(v);
  return !!m && isIP(m[1]!) === family && Number(m[2]) > 7 && Number(m[2]) <= (family === 4 ? 32 : 128);
};

/** Named formats the fake checks (error text with its trailing newline, as PVE sends it); others pass. */
const FORMATS: Record<string, (v: string) => string | undefined> = {
  "pve-vmid": (v) => (/^[1-9][0-9]{2,8}$/.test(v) ? undefined : "value does not look like a valid VM ID\n"),
  "pve-node": (v) => (new RegExp(`^${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid node name\n"),
  "dns-name": (v) => (new RegExp(`^(${DNS_LABEL}\\.)*${DNS_LABEL}$`).test(v) ? undefined : "value does not look like a valid DNS name\n"),
  "pve-storage-id": (v) => (/^[a-z][a-z0-9\-_.]*[a-z0-9]$/i.test(v) ? undefined : `storage ID '${v}' contains illegal characters\n`),
  "pve-volume-id": (v) => (/^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$/i.test(v) ? undefined : `unable to parse volume ID '${v}'\n`),
  "pve-tag": (v) => (/^[a-z0-9_][a-z0-9_\-+.]*$/i.test(v) ? undefined : "invalid characters in tag\n"),
  "disk-size": (v) => (/^(\d+(\.\d+)?)([KMGT])?$/.test(v) ? undefined : `value '${v}' is not a valid disk size\n`),
  ipv4: (v) => (isIP(v) === 4 ? undefined : "value does not look like a valid IPv4 address\n"),
  ipv6: (v) => (isIP(v) === 6 ? undefined : "value does not look like a valid IPv6 address\n"),
  "mac-addr": (v) =>
    /^[a-f0-9][02468ace](?::[a-f0-9]{2}){5}$/i.test(v) ? undefined : "value does not look like a valid unicast MAC address\n",
  "pve-ipv4-config": (v) =>
    /^(?:dhcp|manual)$/.test(v) || cidr(v, 4) ? undefined : "value does not look like a valid ipv4 network configuration\n",
  "pve-ipv6-config": (v) =>
    /^(?:auto|dhcp|manual)$/.test(v) || cidr(v, 6) ? undefined : "value does not look like a valid ipv6 network configuration\n",
};

function checkFormat(format: string | Readonly<Record<string, PveSchema>>, value: string, path: string): string | undefined {
  if (typeof format !== "string") return parsePropertyString(format, value, path);
  const list = /^(.*)-list$/.exec(format);
  const check = FORMATS[list ? list[1]! : format];
  if (!check) return undefined;
  for (const item of list ? splitList(value) : [value]) {
    const err = check(item);
    if (err) return err;
  }
  return undefined;
}

function parseBoolean(v: string): string | undefined {
  if (/^(1|on|yes|true)$/i.test(v)) return "1";
  if (/^(0|off|no|false)$/i.test(v)) return "0";
  return undefined;
}

/** `key=value,...` strings such as net0 and rootfs; returns the error text or undefined. */
function parsePropertyString(format: Readonly<Record<string, PveSchema>>, data: string, path: string): string | undefined {
  const res: Record<string, string> = {};
  let defaultKey: string | undefined;
  for (const part of data.split(",")) {
    if (/^\s*$/.test(part)) continue;
    const kv = /^([^=]+)=(.+)$/.exec(part);
    if (kv) {
      const [, k, v] = kv as unknown as [string, string, string];
      if (res[k] !== undefined) return `duplicate key in comma-separated list property: ${k}\n`;
      const s = format[k];
      if (!s) return `invalid key in comma-separated list property: ${k}\n`;
      res[k] = s.type === "boolean" ? (parseBoolean(v) ?? v) : v;
    } else if (!part.includes("=")) {
      if (defaultKey) return `duplicate key in comma-separated list property: ${defaultKey}\n`;
      defaultKey = Object.keys(format).find((k) => format[k]?.default_key);
      if (!defaultKey) return "value without key, but schema does not define a default key\n";
      if (res[defaultKey] !== undefined) return `duplicate key in comma-separated list property: ${defaultKey}\n`;
      res[defaultKey] = part;
    } else {
      return "missing key in comma-separated list property\n";
    }
  }
  const errors: Record<string, string> = {};
  checkObject(path, format, res, 0, errors);
  const lines = Object.entries(errors).map(([k, v]) => `${k}: ${v}\n`);
  return lines.length > 0 ? `format error\n${lines.join("")}` : undefined;
}

// ---------------------------------------------------------------------------------------------
// The fake server.
// ---------------------------------------------------------------------------------------------

/** Thrown inside handlers; becomes a PVE error response (status line = first line of the message). */
class PveError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: Record<string, string> | undefined,
  ) {
    super(message);
  }
}

const paramError = (errors: Record<string, string>) => new PveError(400, "Parameter verification failed.\n", errors);

type Handler = (params: Record<string, unknown>, req: FakeRequest) => unknown;

/** Fake Proxmox VE cluster (pve01..pve03) seeded from the lab's hosts. */
export class FakeProxmox {
  readonly http = new FakeHttpServer("proxmox");
  readonly token: string;
  url = "";
  readonly #opts: FakeProxmoxOptions;
  readonly #stepMs: number;
  readonly #now: () => number;
  readonly #guests = new Map<number, FakeGuest>();
  readonly #tasks = new Map<string, FakeTask>();
  readonly #failNext = new Map<string, string>();
  readonly #denied = new Set<string>();
  readonly #known: { method: string; regex: RegExp }[] = [];
  readonly #bootedAt: number;
  #pid = 0x2f1c4;

  constructor(opts: FakeProxmoxOptions = {}) {
    this.#opts = opts;
    this.token = opts.token ?? LAB_TOKENS.proxmox;
    this.#stepMs = opts.stepMs ?? 500;
    this.#now = opts.now ?? Date.now;
    this.#bootedAt = this.#now() - 12 * 86_400_000;
    this.#seed();
    this.http.guard = (req) => this.#guard(req);
    this.#routes();
  }

  async start(): Promise<string> {
    this.url = await this.http.listen();
    return this.url;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  /** Guests after applying every task that has finished by now, sorted by VMID. */
  guests(): FakeGuest[] {
    this.#advance();
    return [...this.#guests.values()].sort((a, b) => a.vmid - b.vmid).map((g) => ({ ...g, config: { ...g.config } }));
  }

  /** The next task of `type` (e.g. "vzcreate") ends with `exitstatus` ("WARNINGS: 1" counts as success, as in PVE). */
  failNextTask(type: string, exitstatus: string): void {
    this.#failNext.set(type, exitstatus);
  }

  /** Takes a privilege (e.g. "VM.Allocate", "VM.PowerMgmt", "VM.Audit") from the token: calls needing it get 403. */
  deny(privilege: string): void {
    this.#denied.add(privilege);
  }

  allow(privilege: string): void {
    this.#denied.delete(privilege);
  }

  get #user(): { user: string; tokenid: string } {
    const m = /^(.+)!([^=]+)=/.exec(this.token);
    return { user: m?.[1] ?? "root@pam", tokenid: m?.[2] ?? "" };
  }

  #seed(): void {
    for (const h of LAB_HOSTS) {
      if ((h.kind !== "vm" && h.kind !== "lxc") || !h.node || !h.vmid) continue;
      const lxc = h.kind === "lxc";
      const big = h.role === "openshift" ? 4 : h.role === "automation" ? 2 : 1;
      this.#guests.set(h.vmid, {
        vmid: h.vmid,
        type: lxc ? "lxc" : "qemu",
        name: h.name,
        node: h.node,
        status: "running",
        maxmem: (lxc ? 1 : 4 * big) * GiB,
        maxcpu: lxc ? 1 : 2 * big,
        maxdisk: (lxc ? 8 : 32 * big) * GiB,
        tags: h.role,
        startedAt: this.#bootedAt + 3_600_000,
        config: {},
      });
    }
  }

  // --- routing ---------------------------------------------------------------------------

  #routes(): void {
    this.#on("GET", "/version", () => ({ version: "9.1.3", release: "9.1", repoid: "9d3e1b2a4c5f6e7d" }));
    this.#on("GET", "/nodes", () => LAB_NODES.map((n) => this.#nodeEntry(n)));
    this.#on("GET", "/cluster/nextid", (p) => this.#nextId(p));
    this.#on("GET", "/cluster/resources", (p) => this.#resources(p.type as string | undefined));
    this.#on("GET", "/nodes/:node/lxc", (p) => this.#onNode(p).filter((g) => g.type === "lxc").map((g) => this.#lxcStatus(g)));
    this.#on("POST", "/nodes/:node/lxc", (p) => this.#createLxc(p));
    this.#on("GET", "/nodes/:node/lxc/:vmid/status/current", (p) => this.#lxcStatus(this.#ct(p, "VM.Audit")));
    this.#on("POST", "/nodes/:node/lxc/:vmid/status/start", (p) => this.#startLxc(p));
    this.#on("POST", "/nodes/:node/lxc/:vmid/status/stop", (p) => this.#stopLxc(p));
    this.#on("DELETE", "/nodes/:node/lxc/:vmid", (p) => this.#deleteLxc(p));
    this.#on("GET", "/nodes/:node/tasks/:upid/status", (p) => this.#taskStatus(p));
    this.#on("GET", "/nodes/:node/tasks/:upid/log", (p) => this.#taskLog(p), true);
  }

  /** Registers an API method; parameters (path + query + body) are verified against PVE_PARAM_SCHEMAS first. */
  #on(method: string, path: string, handler: Handler, withTotal = false): void {
    const schema = PVE_PARAM_SCHEMAS[`${method} ${path.replace(/:(\w+)/g, "{$1}")}`];
    if (!schema) throw new Error(`no schema for ${method} ${path}`);
    const full = `${API}${path}`;
    this.#known.push({ method, regex: new RegExp(`^${full.replace(/:\w+/g, "[^/]+")}$`) });
    this.http.route(method, full, (req, pathParams) => {
      const params: Record<string, unknown> = { ...Object.fromEntries(req.query), ...bodyParams(req.body), ...pathParams };
      try {
        const errors = validatePveParams(schema, params);
        if (errors) throw paramError(errors);
        const data = handler(params, req);
        if (withTotal && Array.isArray(data)) return this.#ok(data, (data as unknown[] & { total?: number }).total);
        return this.#ok(data);
      } catch (err) {
        if (err instanceof PveError) return this.#error(err);
        throw err;
      }
    });
  }

  #guard(req: FakeRequest): FakeResponse | undefined {
    this.#advance();
    const auth = req.headers.authorization;
    // pve-http-server delays failed logins by 3 s; the fake answers at once but keeps the empty body.
    if (!auth) return { status: 401, statusText: "No ticket" };
    const m = /^PVEAPIToken[= ](.+)$/.exec(auth);
    if (!m || m[1]!.trim() !== this.token) return { status: 401, statusText: "authentication failure" };
    if (!this.#known.some((r) => r.method === req.method && r.regex.test(req.path))) {
      const rel = req.path.startsWith(API) ? req.path.slice(API.length) || "/" : req.path;
      return this.#error(new PveError(501, `Method '${req.method} ${rel}' not implemented`));
    }
    return undefined;
  }

  #ok(data: unknown, total?: number): FakeResponse {
    return { status: 200, statusText: "OK", contentType: JSON_TYPE, body: total === undefined ? { data } : { data, total } };
  }

  /** pve-http-server: the reason phrase is the message; the body gains `message` only from 5.2.0. */
  #error(err: PveError): FakeResponse {
    const message = err.message.endsWith("\n") ? err.message : `${err.message}\n`;
    const body: Record<string, unknown> = { data: null };
    if (err.errors) body.errors = err.errors;
    if (!this.#opts.legacyErrors) body.message = message;
    return { status: err.status, statusText: message.split("\n")[0], contentType: JSON_TYPE, body };
  }

  // --- nodes and resources -----------------------------------------------------------------

  #online(node: string): boolean {
    return !(this.#opts.offlineNodes ?? []).includes(node);
  }

  #nodeEntry(node: string) {
    const base = { node, id: `node/${node}`, type: "node", status: this.#online(node) ? "online" : "offline" };
    if (!this.#online(node)) return base;
    const maxmem = 64 * GiB;
    const used = [...this.#guests.values()]
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
      uptime: Math.floor((this.#now() - this.#bootedAt) / 1000),
      ssl_fingerprint: fingerprint(node),
    };
  }

  #nextId(p: Record<string, unknown>): number | string {
    if (p.vmid !== undefined) {
      if (this.#guests.has(Number(p.vmid))) throw paramError({ vmid: `VM ${Number(p.vmid)} already exists` });
      return this.#opts.nextIdAsNumber ? Number(p.vmid) : String(p.vmid);
    }
    let id = 100;
    while (this.#guests.has(id)) id++;
    return this.#opts.nextIdAsNumber ? id : String(id);
  }

  #resources(type: string | undefined): unknown[] {
    const out: unknown[] = [];
    if (!type || type === "node") out.push(...LAB_NODES.map((n) => this.#nodeEntry(n)));
    if (!type || type === "storage") {
      for (const node of LAB_NODES) {
        const status = this.#online(node) ? "available" : "unknown";
        out.push(
          { id: `storage/${node}/local`, type: "storage", storage: "local", node, status, plugintype: "dir", content: "iso,vztmpl,backup", shared: 0, disk: 9 * GiB, maxdisk: 94 * GiB },
          { id: `storage/${node}/local-lvm`, type: "storage", storage: "local-lvm", node, status, plugintype: "lvmthin", content: "images,rootdir", shared: 0, disk: 80 * GiB, maxdisk: 800 * GiB },
        );
      }
    }
    if (!type || type === "vm") out.push(...[...this.#guests.values()].sort((a, b) => a.vmid - b.vmid).map((g) => this.#resource(g)));
    return out;
  }

  #resource(g: FakeGuest) {
    const running = g.status === "running" && this.#online(g.node);
    return {
      id: `${g.type}/${g.vmid}`,
      type: g.type,
      vmid: g.vmid,
      name: g.name,
      node: g.node,
      status: this.#online(g.node) ? g.status : "unknown",
      template: 0,
      maxmem: g.maxmem,
      mem: running ? Math.round(g.maxmem * 0.6) : 0,
      maxcpu: g.maxcpu,
      cpu: running ? 0.02 : 0,
      maxdisk: g.maxdisk,
      disk: running ? Math.round(g.maxdisk * 0.3) : 0,
      uptime: running && g.startedAt ? Math.floor((this.#now() - g.startedAt) / 1000) : 0,
      netin: 0,
      netout: 0,
      diskread: 0,
      diskwrite: 0,
      ...(g.tags ? { tags: g.tags } : {}),
      ...(g.lock ? { lock: g.lock } : {}),
    };
  }

  // --- containers ----------------------------------------------------------------------------

  /** The node named in the path must be a cluster member and reachable (PVE proxies the call to it). */
  #node(p: Record<string, unknown>): string {
    const node = String(p.node);
    if (!(LAB_NODES as readonly string[]).includes(node)) {
      throw new PveError(500, `hostname lookup '${node}' failed - failed to get address info for: ${node}: Name or service not known`);
    }
    if (!this.#online(node)) throw new PveError(595, "No route to host");
    return node;
  }

  #onNode(p: Record<string, unknown>): FakeGuest[] {
    const node = this.#node(p);
    return [...this.#guests.values()].filter((g) => g.node === node);
  }

  #perm(privilege: string, path?: string): void {
    if (this.#denied.has(privilege)) {
      throw new PveError(403, path ? `Permission check failed (${path}, ${privilege})` : "Permission check failed");
    }
  }

  /** An existing container on that node (PVE::LXC::Config->load_config). */
  #ct(p: Record<string, unknown>, privilege: string): FakeGuest {
    const node = this.#node(p);
    const vmid = Number(p.vmid);
    this.#perm(privilege, `/vms/${vmid}`);
    const g = this.#guests.get(vmid);
    if (!g || g.type !== "lxc" || g.node !== node) {
      throw new PveError(500, `Configuration file 'nodes/${node}/lxc/${vmid}.conf' does not exist`);
    }
    return g;
  }

  #lxcStatus(g: FakeGuest) {
    const r = this.#resource(g);
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
  #createLxc(p: Record<string, unknown>): string {
    const node = this.#node(p);
    const vmid = Number(p.vmid);
    const existing = this.#guests.get(vmid);
    // PVE::Cluster::check_vmid_unused dies with a plain message, so this is a 500, not a 400.
    if (existing) throw new PveError(500, `${existing.type === "qemu" ? "VM" : "CT"} ${vmid} already exists on node '${existing.node}'`);
    const keys = p["ssh-public-keys"];
    if (keys !== undefined && !validSshKeys(String(keys))) throw new PveError(500, "SSH public key validation error");
    this.#perm("VM.Allocate");
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
    this.#guests.set(vmid, guest);
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
    return this.#spawn(node, "vzcreate", String(vmid), lines, 6, {
      onSuccess: () => {
        guest.lock = undefined;
        if (start) Object.assign(guest, { status: "running", startedAt: this.#now() });
      },
      onFailure: () => this.#guests.delete(vmid), // destroy_disks + destroy_config
    });
  }

  #startLxc(p: Record<string, unknown>): string {
    const g = this.#ct(p, "VM.PowerMgmt");
    if (g.status === "running") throw new PveError(500, `CT ${g.vmid} already running`);
    if (g.lock) throw new PveError(500, `CT is locked (${g.lock})`);
    return this.#spawn(g.node, "vzstart", String(g.vmid), [], 2, {
      onSuccess: () => Object.assign(g, { status: "running", startedAt: this.#now() }),
      onFailure: () => undefined,
    });
  }

  #stopLxc(p: Record<string, unknown>): string {
    const g = this.#ct(p, "VM.PowerMgmt");
    if (g.status !== "running") throw new PveError(500, `CT ${g.vmid} not running`);
    return this.#spawn(g.node, "vzstop", String(g.vmid), [], 1, {
      onSuccess: () => Object.assign(g, { status: "stopped", startedAt: undefined }),
      onFailure: () => undefined,
    });
  }

  #deleteLxc(p: Record<string, unknown>): string {
    const g = this.#ct(p, "VM.Allocate");
    if (g.lock) throw new PveError(500, `CT is locked (${g.lock})`);
    if (g.status === "running") throw new PveError(500, `unable to destroy CT ${g.vmid} - container is running`);
    g.lock = "destroyed";
    const lines = [`  Logical volume "vm-${g.vmid}-disk-0" successfully removed.`];
    return this.#spawn(g.node, "vzdestroy", String(g.vmid), lines, 2, {
      onSuccess: () => this.#guests.delete(g.vmid),
      onFailure: () => void (g.lock = undefined),
    });
  }

  // --- tasks ---------------------------------------------------------------------------------

  /** Forks a worker: returns its UPID; it runs for `steps` × stepMs, its log lines spread over that time. */
  #spawn(node: string, type: string, id: string, lines: string[], steps: number, on: Pick<FakeTask, "onSuccess" | "onFailure">): string {
    const now = this.#now();
    const { user, tokenid } = this.#user;
    const pid = this.#pid++;
    const pstart = 0x01a2b3c4 + pid;
    const starttime = Math.floor(now / 1000);
    const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
    const upid = `UPID:${node}:${hex(pid)}:${hex(pstart)}:${hex(starttime)}:${type}:${id}:${user}!${tokenid}:`;
    const outcome = this.#failNext.get(type) ?? "OK";
    this.#failNext.delete(type);
    const duration = steps * this.#stepMs;
    const logged = lines.map((t, i) => ({ at: now + Math.floor((duration * i) / Math.max(1, lines.length)), t }));
    const warnings = /^WARNINGS: (\d+)$/.exec(outcome);
    if (warnings) {
      for (let i = 0; i < Number(warnings[1]); i++) logged.push({ at: now + duration - 1, t: `WARN: simulated warning ${i + 1}` });
    }
    this.#tasks.set(upid, { upid, node, pid, pstart, starttime, type, id, user, tokenid, endsAt: now + duration, lines: logged, outcome, ...on });
    return upid;
  }

  /** Finishes every task whose time is up (lazily, on each request: no timers to leak). */
  #advance(): void {
    const now = this.#now();
    for (const t of this.#tasks.values()) {
      if (t.exitstatus !== undefined || now < t.endsAt) continue;
      t.exitstatus = t.outcome;
      const ok = t.outcome === "OK" || /^WARNINGS: \d+$/.test(t.outcome);
      t.lines.push({ at: t.endsAt, t: ok ? `TASK ${t.outcome}` : `TASK ERROR: ${t.outcome}` });
      (ok ? t.onSuccess : t.onFailure)();
    }
  }

  #task(p: Record<string, unknown>): FakeTask {
    const node = this.#node(p);
    const upid = String(p.upid);
    if (!/^UPID:[a-zA-Z0-9][a-zA-Z0-9-]*:[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:[0-9A-Fa-f]{8}:[^:\s/]+:[^:\s/]*:[^:\s/]+:$/.test(upid)) {
      throw paramError({ upid: "unable to parse worker upid" });
    }
    const task = this.#tasks.get(upid);
    if (!task || task.node !== node) throw paramError({ upid: "no such task" });
    return task;
  }

  #taskStatus(p: Record<string, unknown>) {
    const t = this.#task(p);
    return {
      upid: t.upid,
      node: t.node,
      pid: t.pid,
      pstart: t.pstart,
      starttime: t.starttime,
      type: t.type,
      id: t.id,
      user: t.user,
      ...(t.tokenid ? { tokenid: t.tokenid } : {}),
      status: t.exitstatus === undefined ? "running" : "stopped",
      ...(t.exitstatus === undefined ? {} : { exitstatus: t.exitstatus }),
    };
  }

  #taskLog(p: Record<string, unknown>) {
    const t = this.#task(p);
    const now = this.#now();
    const visible = t.lines.filter((l) => l.at <= now);
    const start = Number(p.start ?? 0);
    const limit = Number(p.limit ?? 50);
    const page = visible.slice(start, start + limit).map((l, i) => ({ n: start + i + 1, t: l.t }));
    return Object.assign(page, { total: visible.length });
  }
}

function bodyParams(body: unknown): Record<string, unknown> {
  return body && typeof body === "object" && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
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

function fingerprint(node: string): string {
  const bytes = Array.from({ length: 32 }, (_, i) => ((node.charCodeAt(i % node.length) * (i + 7)) & 0xff).toString(16).padStart(2, "0"));
  return bytes.join(":").toUpperCase();
}
