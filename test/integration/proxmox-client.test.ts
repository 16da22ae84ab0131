import { afterEach, describe, expect, it } from "vitest";
import { ApiError, ConfigError, UserError } from "../../src/errors.ts";
import {
  ProxmoxClient,
  ProxmoxTaskError,
  formatUpid,
  isVmidTaken,
  parseUpid,
  type LxcSpec,
} from "../../src/clients/proxmox.ts";
import { FakeProxmox, type FakeProxmoxOptions } from "../../lab/proxmox/fake-proxmox.ts";
import { LAB_HOSTS, LAB_LXC_TEMPLATE } from "../../lab/homelab.ts";
import { labTls } from "../../lab/lab-tls.ts";
import { tlsFetch } from "../helpers/tls-fetch.ts";
import { profileProxmox, TEST_PROFILE } from "../helpers/test-profile.ts";

const fakes: FakeProxmox[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((f) => f.close()));
});

async function lab(opts: FakeProxmoxOptions = {}) {
  const fake = new FakeProxmox({ ...profileProxmox(), stepMs: 10, ...opts });
  fakes.push(fake);
  const url = await fake.start();
  const client = new ProxmoxClient({ url, token: fake.token, caPem: fake.caPem, getRetries: 0 });
  return { fake, url, client };
}

const KEYS = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHx7 bot@chatops\nssh-rsa AAAAB3NzaC1yc2EAAAADAQAB ops@laptop";
const NET0 = "name=eth0,bridge=vmbr0,ip=10.20.10.80/24,gw=10.20.10.1,firewall=1";
const spec = (vmid: number, extra: Partial<LxcSpec> = {}): LxcSpec => ({
  vmid,
  ostemplate: LAB_LXC_TEMPLATE,
  hostname: `ct${vmid}`,
  rootfs: "local-lvm:8",
  memory: 1024,
  ...extra,
});
const fast = { intervalMs: 5, timeoutMs: 5_000 };

describe("ProxmoxClient against the fake PVE cluster", () => {
  it("reads the version and the nodes, and picks the node with the most free memory", async () => {
    const { client } = await lab();
    expect(await client.version()).toMatchObject({ version: TEST_PROFILE.proxmox.version, release: TEST_PROFILE.proxmox.release });
    const nodes = await client.nodes();
    expect(nodes.map((n) => n.node)).toEqual(["pve01", "pve02", "pve03"]);
    for (const n of nodes) expect(n).toMatchObject({ status: "online", maxmem: expect.any(Number), mem: expect.any(Number) });
    const freest = [...nodes].sort((a, b) => b.maxmem! - b.mem! - (a.maxmem! - a.mem!))[0]!.node;
    expect(await client.leastLoadedNode()).toBe(freest);
  });

  it("skips offline nodes when placing, and says so when none is online", async () => {
    const { client } = await lab({ offlineNodes: ["pve01", "pve02"] });
    const nodes = await client.nodes();
    expect(nodes.find((n) => n.node === "pve01")).toEqual({ node: "pve01", status: "offline" });
    expect(await client.leastLoadedNode()).toBe("pve03");

    const { client: dark } = await lab({ offlineNodes: ["pve01", "pve02", "pve03"] });
    await expect(dark.leastLoadedNode()).rejects.toMatchObject({ name: "UserError", code: "proxmox_no_online_node" });
  });

  it("reads nextid whether PVE sends it as a string (default) or as a number", async () => {
    const { client, url, fake } = await lab();
    const raw = await tlsFetch(labTls().caPem)(`${url}/api2/json/cluster/nextid`, { headers: { Authorization: `PVEAPIToken=${fake.token}` } });
    expect(await raw.json()).toEqual({ data: "100" });
    expect(await client.nextId()).toBe(100);

    const numeric = await lab({ nextIdAsNumber: true });
    const rawNum = await tlsFetch(labTls().caPem)(`${numeric.url}/api2/json/cluster/nextid`, { headers: { Authorization: `PVEAPIToken ${numeric.fake.token}` } });
    expect(await rawNum.json()).toEqual({ data: 100 });
    expect(await numeric.client.nextId()).toBe(100);
  });

  it("lists the lab's VMs and containers as resources, with template as a boolean", async () => {
    const { client } = await lab();
    const res = await client.resources();
    const guests = LAB_HOSTS.filter((h) => h.kind !== "device");
    expect(res.map((r) => r.vmid).sort()).toEqual(guests.map((h) => h.vmid).sort());
    expect(res.find((r) => r.vmid === 153)).toMatchObject({ id: "lxc/153", type: "lxc", name: "dns01", node: "pve01", template: false });
    expect(res.find((r) => r.vmid === 110)).toMatchObject({ id: "qemu/110", type: "qemu", name: "edge01", status: "running" });
  });

  it("creates a container with exactly the ssh keys and net0 it was given, and waits for the task", async () => {
    const { client, fake } = await lab({ stepMs: 250 });
    const vmid = await client.nextId();
    const upid = await client.createLxc("pve02", spec(vmid, { sshPublicKeys: KEYS, net0: NET0, unprivileged: true, start: true, tags: ["web", "lab"] }));

    const sent = fake.http.requests.find((r) => r.method === "POST" && r.path === "/api2/json/nodes/pve02/lxc")!;
    expect(sent.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(sent.rawBody).toContain("ssh-public-keys=ssh-ed25519%20AAAAC3NzaC1lZDI1NTE5AAAAIHx7%20bot%40chatops%0Assh-rsa");
    expect(sent.rawBody).toContain("net0=name%3Deth0,bridge%3Dvmbr0,ip%3D10.20.10.80%2F24,gw%3D10.20.10.1,firewall%3D1");
    expect(sent.body).toMatchObject({ "ssh-public-keys": KEYS, net0: NET0, unprivileged: "1", start: "1", tags: "web;lab", vmid: "100" });

    // The VMID is taken as soon as the worker starts: the config carries lock=create until it ends.
    expect((await client.resources()).find((r) => r.vmid === vmid)).toMatchObject({ lock: "create", status: "stopped" });
    const polled: string[] = [];
    const done = await client.waitForTask(upid, { ...fast, onPoll: (s) => polled.push(s.status) });
    expect(done).toMatchObject({ status: "stopped", exitstatus: "OK", type: "vzcreate", id: String(vmid), node: "pve02" });
    expect(polled[0]).toBe("running");
    expect(await client.lxcStatus("pve02", vmid)).toMatchObject({ vmid, name: `ct${vmid}`, status: "running" });
    expect(fake.guests().find((g) => g.vmid === vmid)?.config).toMatchObject({ "ssh-public-keys": KEYS, net0: NET0 });
    expect(await client.nextId()).toBe(vmid + 1);
    const log = await client.taskLog(upid);
    expect(log[0]).toEqual({ n: 1, t: expect.any(String) });
    expect(log.at(-1)).toEqual({ n: log.length, t: "TASK OK" });
  });

  it("starts, stops and deletes a container through their tasks", async () => {
    const { client } = await lab();
    await client.waitForTask(await client.createLxc("pve01", spec(300)), fast);
    expect(await client.lxcStatus("pve01", 300)).toMatchObject({ status: "stopped" });

    const start = await client.startLxc("pve01", 300);
    expect(parseUpid(start)).toMatchObject({ node: "pve01", type: "vzstart", id: "300" });
    await client.waitForTask(start, fast);
    expect(await client.lxcStatus("pve01", 300)).toMatchObject({ status: "running" });
    await expect(client.deleteLxc("pve01", 300)).rejects.toMatchObject({ status: 500, reason: "unable to destroy CT 300 - container is running" });

    await client.waitForTask(await client.stopLxc("pve01", 300), fast);
    expect(await client.lxcStatus("pve01", 300)).toMatchObject({ status: "stopped" });
    await client.waitForTask(await client.deleteLxc("pve01", 300), fast);
    expect((await client.resources()).some((r) => r.vmid === 300)).toBe(false);
    await expect(client.lxcStatus("pve01", 300)).rejects.toMatchObject({
      status: 500,
      reason: "Configuration file 'nodes/pve01/lxc/300.conf' does not exist",
    });
  });

  it("surfaces a failed task's exit status and last log lines, and rolls the container back", async () => {
    const { client, fake } = await lab();
    const exit = "unable to create CT 301 - no space left on device";
    fake.failNextTask("vzcreate", exit);
    const upid = await client.createLxc("pve03", spec(301));
    const err = await client.waitForTask(upid, fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProxmoxTaskError);
    const te = err as ProxmoxTaskError;
    expect(te).toBeInstanceOf(ApiError);
    expect(te.exitstatus).toBe(exit);
    expect(te.upid).toBe(upid);
    expect(te.retryable).toBe(false);
    expect(te.logTail.at(-1)).toBe(`TASK ERROR: ${exit}`);
    expect(te.logTail.length).toBeGreaterThan(1);
    expect(te.userMessage).not.toContain("no space");
    expect(fake.guests().some((g) => g.vmid === 301)).toBe(false);
  });

  it("treats WARNINGS: n as success", async () => {
    const { client, fake } = await lab();
    fake.failNextTask("vzstop", "WARNINGS: 2");
    const upid = await client.stopLxc("pve01", 153);
    const s = await client.waitForTask(upid, fast);
    expect(s.exitstatus).toBe("WARNINGS: 2");
    expect((await client.taskLog(upid)).map((l) => l.t)).toEqual(["WARN: simulated warning 1", "WARN: simulated warning 2", "TASK WARNINGS: 2"]);
    expect(await client.lxcStatus("pve01", 153)).toMatchObject({ status: "stopped" });
  });

  it("recognises a VMID collision as a non-retryable ApiError", async () => {
    const { client } = await lab();
    const ct = await client.createLxc("pve01", spec(153)).catch((e: unknown) => e);
    expect(isVmidTaken(ct)).toBe(true);
    expect(ct).toMatchObject({ status: 500, retryable: false, reason: "CT 153 already exists on node 'pve01'" });
    const vm = await client.createLxc("pve02", spec(110)).catch((e: unknown) => e);
    expect(vm).toMatchObject({ reason: "VM 110 already exists on node 'pve01'" });
    expect(isVmidTaken(vm)).toBe(true);
    expect(isVmidTaken(new Error("CT 1 already exists"))).toBe(false);
  });

  it.each([false, true])("reports parameter errors from the body or the status line (legacyErrors=%s)", async (legacyErrors) => {
    const { client, fake } = await lab({ legacyErrors });
    const err = await client.createLxc("pve01", spec(302, { memory: 8 })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 400,
      retryable: false,
      reason: "Parameter verification failed. (memory: value must have a minimum value of 16)",
    });
    expect(isVmidTaken(err)).toBe(false);
    const body = JSON.parse(await rawCreate(fake, "vmid=302&ostemplate=x&memory=8")) as Record<string, unknown>;
    expect(body).toEqual({
      data: null,
      errors: { memory: "value must have a minimum value of 16" },
      ...(legacyErrors ? {} : { message: "Parameter verification failed.\n" }),
    });
  });

  it("turns a 401 with an empty body into a clear ApiError without the token", async () => {
    const { url, fake } = await lab();
    const secret = "0f0f0f0f-dead-beef-0000-000000000000";
    const client = new ProxmoxClient({ url, token: `labops@pve!bot=${secret}`, caPem: fake.caPem, getRetries: 0 });
    const err = (await client.nodes().catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 401, reason: "authentication failure", method: "GET", path: "/api2/json/nodes" });
    expect(err.userMessage).toBe("Proxmox rejected the credentials labops uses (401).");
    expect(`${err.message} ${err.reason}`).not.toContain(secret);
    const raw = await tlsFetch(labTls().caPem)(`${url}/api2/json/nodes`);
    expect([raw.status, raw.statusText, await raw.text()]).toEqual([401, "No ticket", ""]);
  });

  it("reports a denied privilege as a 403 with PVE's permission message", async () => {
    const { client, fake } = await lab();
    fake.deny("VM.PowerMgmt");
    await expect(client.startLxc("pve02", 161)).rejects.toMatchObject({
      status: 403,
      reason: "Permission check failed (/vms/161, VM.PowerMgmt)",
    });
  });

  it("gives up waiting after timeoutMs and stops on abort", async () => {
    const { client } = await lab({ stepMs: 10_000 });
    const upid = await client.createLxc("pve01", spec(303));
    await expect(client.waitForTask(upid, { intervalMs: 5, timeoutMs: 30 })).rejects.toMatchObject({
      name: "ApiError",
      retryable: false,
      reason: "task vzcreate 303 still running after 30 ms",
    });
    const ac = new AbortController();
    setTimeout(() => ac.abort(new Error("cancelled by user")), 20);
    await expect(client.waitForTask(upid, { intervalMs: 5, signal: ac.signal })).rejects.toThrow(/cancelled by user|aborted/);
  });

  it("parses UPIDs: round trip and agreement with the task status", async () => {
    const { client } = await lab();
    const upid = await client.createLxc("pve03", spec(304));
    const parsed = parseUpid(upid);
    expect(upid.endsWith(":")).toBe(true);
    expect(formatUpid(parsed)).toBe(upid);
    const s = await client.taskStatus(upid);
    expect(parsed).toEqual({
      node: s.node,
      pid: s.pid,
      pstart: s.pstart,
      starttime: s.starttime,
      type: s.type,
      id: s.id,
      user: `${s.user}!${s.tokenid}`,
    });
    expect(parseUpid("UPID:pve1:0002F1C4:01A2B3C4:67A0F1D2:vzcreate:105:chatops@pve!bot:")).toEqual({
      node: "pve1", pid: 0x2f1c4, pstart: 0x1a2b3c4, starttime: 0x67a0f1d2, type: "vzcreate", id: "105", user: "chatops@pve!bot",
    });
    expect(() => parseUpid("UPID:pve1:xyz")).toThrow(UserError);
  });

  it("refuses a token that is not USER@REALM!TOKENID=SECRET, without echoing it", () => {
    const make = () => new ProxmoxClient({ url: "https://pve01.lab:8006", token: "hunter2" });
    expect(make).toThrow(ConfigError);
    expect(make).not.toThrow(/hunter2/);
  });
});

/** Posts a raw form body to the fake and returns the response body text. */
async function rawCreate(fake: FakeProxmox, form: string): Promise<string> {
  const res = await tlsFetch(labTls().caPem)(`${fake.url}/api2/json/nodes/pve01/lxc`, {
    method: "POST",
    headers: { Authorization: `PVEAPIToken=${fake.token}`, "Content-Type": "application/x-www-form-urlencoded" },
    body: form,
  });
  expect(res.statusText).toBe("Parameter verification failed.");
  return res.text();
}
