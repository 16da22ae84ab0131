import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tlsFetch } from "../helpers/tls-fetch.ts";
import { FakeProxmox, PVE_PARAM_SCHEMAS, validatePveParams, type PveParams } from "../../lab/proxmox/fake-proxmox.ts";
import { LAB_LXC_TEMPLATE } from "../../lab/homelab.ts";
import { upstreamJson } from "../helpers/upstream.ts";

/**
 * The fake Proxmox against PVE 9.1.3's own API schema (`proxmox/apidoc-subset.json`): its parameter tables
 * are the upstream ones, its validator answers like pve-common's JSONSchema.pm, and every object it returns
 * carries the properties, types and enum values the upstream `returns` schemas declare.
 */
interface Endpoint {
  method: string;
  path: string;
  info: { parameters: PveParams & { properties?: Record<string, Schema> }; returns: Schema };
}
type Schema = Record<string, unknown> & {
  type?: string;
  optional?: number;
  enum?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  format?: unknown;
};

const apidoc = upstreamJson<{ endpoints: Endpoint[] }>("proxmox/apidoc-subset.json");
const endpoint = (method: string, path: string) => {
  const e = apidoc.endpoints.find((x) => x.method === method && x.path === path);
  if (!e) throw new Error(`${method} ${path} not in apidoc-subset.json`);
  return e.info;
};

/** The validation-relevant keys of a parameter schema (what the fake's tables keep). */
const KEEP = ["type", "optional", "minimum", "maximum", "minLength", "maxLength", "enum", "pattern", "format", "default_key", "requires"];
function reduce(props: Record<string, Schema> = {}): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(props).map(([name, s]) => [
      name,
      Object.fromEntries(
        KEEP.filter((k) => s[k] !== undefined).map((k) => [
          k,
          k === "format" && typeof s.format === "object" ? reduce(s.format as Record<string, Schema>) : s[k],
        ]),
      ),
    ]),
  );
}

/** Problems with `value` against an apidoc `returns` schema (PVE booleans are 0/1). */
function conform(value: unknown, s: Schema, path = "data"): string[] {
  if (s.type === "array") {
    if (!Array.isArray(value)) return [`${path}: not an array`];
    return value.flatMap((v, i) => (s.items ? conform(v, s.items, `${path}[${i}]`) : []));
  }
  if (s.type === "object" || s.properties) {
    if (!value || typeof value !== "object") return [`${path}: not an object`];
    return Object.entries(s.properties ?? {}).flatMap(([k, p]) => {
      const v = (value as Record<string, unknown>)[k];
      if (v === undefined) return p.optional ? [] : [`${path}.${k}: missing`];
      return conform(v, p, `${path}.${k}`);
    });
  }
  const ok =
    (s.type === "integer" && Number.isInteger(value)) ||
    (s.type === "number" && typeof value === "number") ||
    (s.type === "string" && typeof value === "string") ||
    (s.type === "boolean" && (value === 0 || value === 1)) ||
    s.type === undefined;
  if (!ok) return [`${path}: ${JSON.stringify(value)} is not ${s.type}`];
  if (s.enum && !s.enum.includes(String(value))) return [`${path}: ${JSON.stringify(value)} not in ${s.enum.join("|")}`];
  return [];
}

const createSchema = endpoint("POST", "/nodes/{node}/lxc").parameters;
const valid = { node: "pve01", vmid: "105", ostemplate: LAB_LXC_TEMPLATE };

describe("fake Proxmox parameter tables and validator vs apidoc-subset.json", () => {
  it("carries the upstream parameter schema of every method both know", () => {
    const shared = apidoc.endpoints.filter((e) => PVE_PARAM_SCHEMAS[`${e.method} ${e.path}`]);
    expect(shared.map((e) => `${e.method} ${e.path}`)).toHaveLength(apidoc.endpoints.length);
    for (const e of shared) {
      const mine = PVE_PARAM_SCHEMAS[`${e.method} ${e.path}`]!;
      expect(mine.additionalProperties, `${e.method} ${e.path}`).toBe(e.info.parameters.additionalProperties);
      expect(reduce(mine.properties as Record<string, Schema>), `${e.method} ${e.path}`).toEqual(reduce(e.info.parameters.properties));
    }
  });

  it.each<[string, Record<string, unknown>, Record<string, string> | undefined]>([
    ["a minimal create", {}, undefined],
    ["a full create", {
      hostname: "web01", cores: "2", memory: "2048", swap: "512", rootfs: "local-lvm:8,mountoptions=noatime;discard",
      net0: "name=eth0,bridge=vmbr0,ip=dhcp,firewall=yes,tag=20", "ssh-public-keys": "ssh-ed25519 AAAA a\nssh-rsa BBBB b",
      unprivileged: "1", start: "0", features: "nesting=1,keyctl=1", tags: "web;lab", arch: "amd64", net31: "name=eth9",
    }, undefined],
    ["missing vmid and ostemplate", { vmid: undefined, ostemplate: undefined }, {
      vmid: "property is missing and it is not optional",
      ostemplate: "property is missing and it is not optional",
    }],
    ["memory below its minimum", { memory: "8" }, { memory: "value must have a minimum value of 16" }],
    ["cores above its maximum", { cores: "9000" }, { cores: "value must have a maximum value of 8192" }],
    ["a vmid below 100 (the pve-vmid format check comes first)", { vmid: "99" }, { vmid: "invalid format - value does not look like a valid VM ID\n" }],
    ["a non-integer", { cores: "two" }, { cores: "type check ('integer') failed - got 'two'" }],
    ["a boolean that is not 0/1", { start: "yes" }, { start: "type check ('boolean') failed - got 'yes'" }],
    ["a bad enum", { arch: "x86_64" }, {
      arch: "value 'x86_64' does not have a value in the enumeration 'amd64, i386, arm64, armhf, riscv32, riscv64'",
    }],
    ["an unknown parameter", { "ssh-public-key": "ssh-ed25519 AAAA" }, {
      "ssh-public-key": "property is not defined in schema and the schema does not allow additional properties",
    }],
    ["a NIC index out of range", { net32: "name=eth0" }, {
      net32: "property is not defined in schema and the schema does not allow additional properties",
    }],
    ["net0 without its name", { net0: "bridge=vmbr0,ip=dhcp" }, {
      net0: "invalid format - format error\nnet0.name: property is missing and it is not optional\n",
    }],
    ["net0 with an unknown key", { net0: "name=eth0,vlan=5" }, { net0: "invalid format - invalid key in comma-separated list property: vlan\n" }],
    ["net0 with a VLAN tag out of range", { net0: "name=eth0,tag=5000" }, {
      net0: "invalid format - format error\nnet0.tag: value must have a maximum value of 4094\n",
    }],
    ["net0 with a bad address", { net0: "name=eth0,ip=10.0.0.300/24" }, {
      net0: "invalid format - format error\nnet0.ip: invalid format - value does not look like a valid ipv4 network configuration\n\n",
    }],
    ["a hostname that is not a DNS name", { hostname: "web_01" }, { hostname: "invalid format - value does not look like a valid DNS name\n" }],
    ["a bad tag", { tags: "ok;not ok!" }, { tags: "invalid format - invalid characters in tag\n" }],
    ["unique without restore", { unique: "1" }, { restore: "missing property - 'unique' requires this property" }],
    ["a JSON object where a string belongs", { hostname: { a: 1 } }, { hostname: "type check ('string') failed - got HASH" }],
  ])("%s", (_name, extra, expected) => {
    const params = Object.fromEntries(Object.entries({ ...valid, ...extra }).filter(([, v]) => v !== undefined));
    expect(validatePveParams(createSchema, params)).toEqual(expected);
    expect(validatePveParams(PVE_PARAM_SCHEMAS["POST /nodes/{node}/lxc"]!, params)).toEqual(expected);
  });
});

describe("fake Proxmox wire format", () => {
  const fake = new FakeProxmox({ stepMs: 5 });
  const legacy = new FakeProxmox({ stepMs: 5, legacyErrors: true });
  const fetch = tlsFetch(fake.caPem);
  const call = (f: FakeProxmox, method: string, path: string, form?: string, auth = `PVEAPIToken=${f.token}`) =>
    fetch(`${f.url}/api2/json${path}`, {
      method,
      headers: { Authorization: auth, ...(form ? { "Content-Type": "application/x-www-form-urlencoded" } : {}) },
      ...(form ? { body: form } : {}),
    });
  const data = async (path: string) => ((await (await call(fake, "GET", path)).json()) as { data: unknown }).data;

  beforeAll(async () => {
    await Promise.all([fake.start(), legacy.start()]);
  });
  afterAll(async () => {
    await Promise.all([fake.close(), legacy.close()]);
  });

  it("answers every read with the shape the apidoc `returns` schema declares", async () => {
    const upid = (await (await call(fake, "POST", "/nodes/pve01/lxc/153/status/stop")).json()) as { data: string };
    const task = `/nodes/pve01/tasks/${encodeURIComponent(upid.data)}`;
    await new Promise((r) => setTimeout(r, 20));
    const checks: [string, string, string][] = [
      ["GET", "/version", "/version"],
      ["GET", "/nodes", "/nodes"],
      ["GET", "/cluster/resources", "/cluster/resources?type=vm"],
      ["GET", "/cluster/resources", "/cluster/resources"],
      ["GET", "/nodes/{node}/lxc", "/nodes/pve01/lxc"],
      ["GET", "/nodes/{node}/lxc/{vmid}/status/current", "/nodes/pve01/lxc/153/status/current"],
      ["GET", "/nodes/{node}/tasks/{upid}/status", `${task}/status`],
      ["GET", "/nodes/{node}/tasks/{upid}/log", `${task}/log`],
    ];
    for (const [method, path, url] of checks) {
      const body = await data(url);
      expect(conform(body, endpoint(method, path).returns), url).toEqual([]);
      if (Array.isArray(body)) expect(body.length, url).toBeGreaterThan(0);
    }
    expect(await data(`${task}/status`)).toMatchObject({ status: "stopped", exitstatus: "OK", user: "labops@pve", tokenid: "bot" });
    expect(conform(await data("/cluster/nextid"), { type: "string" })).toEqual([]); // declared integer, sent as a string (§0.7)
  });

  it("rejects bad create parameters with 400 'Parameter verification failed.', with and without `message`", async () => {
    for (const [f, message] of [[fake, true], [legacy, false]] as const) {
      const res = await call(f, "POST", "/nodes/pve01/lxc", `vmid=105&ostemplate=${encodeURIComponent(LAB_LXC_TEMPLATE)}&memory=8&arch=x86`);
      expect([res.status, res.statusText]).toEqual([400, "Parameter verification failed."]);
      expect(res.headers.get("content-type")).toBe("application/json;charset=UTF-8");
      expect(await res.json()).toEqual({
        data: null,
        errors: {
          memory: "value must have a minimum value of 16",
          arch: "value 'x86' does not have a value in the enumeration 'amd64, i386, arm64, armhf, riscv32, riscv64'",
        },
        ...(message ? { message: "Parameter verification failed.\n" } : {}),
      });
    }
  });

  it("accepts JSON bodies too, and checks what only the handler knows (storage, template, keys)", async () => {
    const post = (body: Record<string, unknown>) =>
      fetch(`${fake.url}/api2/json/nodes/pve02/lxc`, {
        method: "POST",
        headers: { Authorization: `PVEAPIToken=${fake.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ vmid: 400, ostemplate: LAB_LXC_TEMPLATE, ...body }),
      });
    const noRootfs = await post({});
    expect([noRootfs.status, await noRootfs.json()]).toEqual([400, {
      data: null, errors: { storage: "storage 'local' does not support container directories" }, message: "Parameter verification failed.\n",
    }]);
    const badKey = await post({ rootfs: "local-lvm:4", "ssh-public-keys": "not a key" });
    expect([badKey.status, badKey.statusText]).toEqual([500, "SSH public key validation error"]);
    const noTemplate = await post({ rootfs: "local-lvm:4", ostemplate: "local:vztmpl/nope.tar.zst" });
    expect([noTemplate.status, noTemplate.statusText]).toEqual([500, "can't find file 'local:vztmpl/nope.tar.zst'"]);
    const ok = await post({ rootfs: "local-lvm:4", start: true, cores: 2 });
    const upid = ((await ok.json()) as { data: string }).data;
    expect(upid).toMatch(/^UPID:pve02:[0-9A-F]{8}:[0-9A-F]{8}:[0-9A-F]{8}:vzcreate:400:labops@pve!bot:$/);
  });

  it("answers 401 with an empty body and the reason only in the status line", async () => {
    for (const auth of ["PVEAPIToken=labops@pve!bot=wrong", "Bearer x"]) {
      const res = await call(fake, "GET", "/nodes", undefined, auth);
      expect([res.status, res.statusText, await res.text()]).toEqual([401, "authentication failure", ""]);
    }
    const spaced = await call(fake, "GET", "/version", undefined, `PVEAPIToken ${fake.token}`);
    expect(spaced.status).toBe(200);
  });

  it("answers 501 for unknown methods, 403 for a missing privilege, 400 for unknown tasks", async () => {
    const unknown = await call(fake, "GET", "/foo");
    expect([unknown.status, unknown.statusText, await unknown.json()]).toEqual([
      501, "Method 'GET /foo' not implemented", { data: null, message: "Method 'GET /foo' not implemented\n" },
    ]);
    const legacyUnknown = await call(legacy, "PUT", "/nodes");
    expect([legacyUnknown.status, await legacyUnknown.json()]).toEqual([501, { data: null }]);
    expect(legacyUnknown.statusText).toBe("Method 'PUT /nodes' not implemented");

    fake.deny("VM.Allocate");
    const denied = await call(fake, "POST", "/nodes/pve01/lxc", `vmid=401&ostemplate=${encodeURIComponent(LAB_LXC_TEMPLATE)}&rootfs=local-lvm:4`);
    fake.allow("VM.Allocate");
    expect([denied.status, await denied.json()]).toEqual([403, { data: null, message: "Permission check failed\n" }]);

    const missing = await call(fake, "GET", `/nodes/pve01/tasks/${encodeURIComponent("UPID:pve01:00000001:00000001:00000001:vzcreate:1:x@pve:")}/status`);
    expect([missing.status, ((await missing.json()) as { errors: unknown }).errors]).toEqual([400, { upid: "no such task" }]);
    const garbled = await call(fake, "GET", "/nodes/pve01/tasks/nope/status");
    expect(((await garbled.json()) as { errors: unknown }).errors).toEqual({ upid: "unable to parse worker upid" });
  });

  it("refuses a VMID in use the way check_vmid_unused does, and nextid?vmid= the way Cluster.pm does", async () => {
    const res = await call(fake, "POST", "/nodes/pve02/lxc", `vmid=161&ostemplate=${encodeURIComponent(LAB_LXC_TEMPLATE)}&rootfs=local-lvm:4`);
    expect([res.status, res.statusText]).toEqual([500, "CT 161 already exists on node 'pve02'"]);
    const taken = await call(fake, "GET", "/cluster/nextid?vmid=161");
    expect([taken.status, await taken.json()]).toEqual([400, {
      data: null, errors: { vmid: "VM 161 already exists" }, message: "Parameter verification failed.\n",
    }]);
    expect(await data("/cluster/nextid?vmid=999")).toBe("999");
  });
});
