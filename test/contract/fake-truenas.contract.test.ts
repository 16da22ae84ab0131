import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { FakeTrueNas } from "../../lab/truenas/fake-truenas.ts";
import { OCP_FOLDER_PATTERN, SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { Job } from "../../src/clients/truenas/truenas-schemas.ts";
import { LAB_SHARE } from "../../lab/homelab.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const docJob = upstreamJson<Record<string, unknown>>("truenas/core.get_jobs.item.docs-example.json");
const docEvents = upstreamJson<{ jsonrpc: string; method: string; params: Record<string, unknown> }[]>(
  "truenas/collection_update.core.get_jobs.docs-examples.json",
);
/** Keys the 25.10 middleware sends beyond the doc example (`job.py` `__encode__`, api-contracts §4.5). */
const JOB_KEYS_2510 = ["message_ids", "transient", "description", "abortable", "result_encoding_error", "credentials"];

/** A raw JSON-RPC session, to check wire frames without our client in between. */
class Rpc {
  readonly frames: Record<string, any>[] = [];
  #id = 0;
  constructor(readonly ws: WebSocket) {
    ws.on("message", (d) => this.frames.push(JSON.parse(d.toString())));
  }
  static async open(url: string, headers: Record<string, string> = {}): Promise<Rpc> {
    const ws = new WebSocket(url, { headers });
    await new Promise((r, j) => ws.once("open", r).once("error", j));
    return new Rpc(ws);
  }
  async call(method: string, params: unknown[] = []): Promise<Record<string, any>> {
    const id = ++this.#id;
    this.ws.send(JSON.stringify({ jsonrpc: "2.0", id, method, params }));
    for (let i = 0; i < 200; i++) {
      const f = this.frames.find((x) => x.id === id);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer to ${method}`);
  }
  login(key: string) {
    return this.call("auth.login_ex", [{ mechanism: "API_KEY_PLAIN", username: "root", api_key: key }]);
  }
}

let fake: FakeTrueNas | undefined;
const rpcs: Rpc[] = [];
afterEach(async () => {
  for (const r of rpcs.splice(0)) r.ws.terminate();
  await fake?.close();
  fake = undefined;
});
async function start(opts: ConstructorParameters<typeof FakeTrueNas>[0] = {}, headers?: Record<string, string>) {
  fake = new FakeTrueNas({ stepMs: 15, ...opts });
  await fake.start();
  const rpc = await Rpc.open(fake.url, headers);
  rpcs.push(rpc);
  return { fake, rpc };
}

function expectErrorShape(frame: Record<string, any>, code: number, errname: string) {
  expect(Object.keys(frame).sort()).toEqual(["error", "id", "jsonrpc"]);
  expect(frame.error.code).toBe(code);
  expect(typeof frame.error.message).toBe("string");
  expect(Object.keys(frame.error.data).sort()).toEqual(["errname", "error", "extra", "reason", "trace"]);
  expect(frame.error.data).toMatchObject({ errname, trace: null });
  expect(typeof frame.error.data.error).toBe("number");
  expect(frame.error.data.reason).toContain(`[${errname}]`);
}

describe("fake TrueNAS job objects match upstream", () => {
  for (const version of ["25.04", "25.10"] as const) {
    it(`${version}: core.get_jobs items carry every key of the docs example and parse with our schema`, async () => {
      // Steps long enough that polling sees each state even on a loaded machine.
      const { fake, rpc } = await start({ version, stepMs: 400 });
      await rpc.login(fake.apiKey);
      await rpc.call(version === "25.10" ? "pool.snapshot.create" : "zfs.snapshot.create", [{ dataset: LAB_SHARE.dataset, name: "x1" }]);
      const started = await rpc.call("pool.dataset.destroy_snapshots", [LAB_SHARE.dataset, { snapshots: ["x1"] }]);
      expect(typeof started.result).toBe("number");
      const states: string[] = [];
      let job: Record<string, any> = {};
      for (let i = 0; i < 400 && job.state !== "SUCCESS"; i++) {
        job = (await rpc.call("core.get_jobs", [[["id", "=", started.result]], { get: true }])).result;
        if (states.at(-1) !== job.state) states.push(job.state);
        await new Promise((r) => setTimeout(r, 5));
      }
      expect(states).toEqual(["WAITING", "RUNNING", "SUCCESS"]);
      for (const key of Object.keys(docJob)) expect(job).toHaveProperty(key);
      for (const key of Object.keys(docJob.progress as object)) expect(job.progress).toHaveProperty(key);
      expect(Object.keys(job.time_started)).toEqual(["$date"]);
      expect(Object.keys(job.time_finished)).toEqual(["$date"]);
      for (const key of JOB_KEYS_2510) {
        if (key === "message_ids" && version === "25.04") expect(job).not.toHaveProperty(key);
        else expect(job).toHaveProperty(key);
      }
      expect(Job.safeParse(job).success).toBe(true);
    });
  }

  it("collection_update notifications have the docs example shape, with message_ids on added (25.10)", async () => {
    const { fake, rpc } = await start({ version: "25.10" });
    await rpc.login(fake.apiKey);
    await rpc.call("core.subscribe", ["core.get_jobs"]);
    const started = await rpc.call("pool.dataset.destroy_snapshots", [LAB_SHARE.dataset, { all: true }]);
    await new Promise((r) => setTimeout(r, 80));
    const events = rpc.frames.filter((f) => f.method === "collection_update");
    expect(events.map((e) => e.params.msg)).toEqual(["added", "changed", "changed"]);
    const [added, changed] = events;
    for (const [ours, doc] of [[added, docEvents[0]], [changed, docEvents[1]]] as const) {
      expect(Object.keys(ours ?? {}).sort()).toEqual(Object.keys(doc ?? {}).sort());
      for (const key of Object.keys(doc?.params ?? {})) expect(ours?.params).toHaveProperty(key);
      expect(ours?.params.collection).toBe("core.get_jobs");
    }
    expect(added?.params.fields.message_ids).toEqual([started.id]);
    expect(changed?.params.fields.progress).toMatchObject({ percent: 20 });
  });

  it("with legacy_jobs false (25.10) a job call waits and returns the job result", async () => {
    const { fake, rpc } = await start({ version: "25.10" });
    await rpc.login(fake.apiKey);
    await rpc.call("core.set_options", [{ legacy_jobs: false }]);
    const res = await rpc.call("pool.dataset.destroy_snapshots", [LAB_SHARE.dataset, { all: true, recursive: true }]);
    expect(res.result).toEqual(expect.arrayContaining([`${LAB_SHARE.dataset}@auto-2025-11-01_00-00`]));
  });
});

describe("fake TrueNAS JSON-RPC errors match the documented structure", () => {
  it("unauthenticated -32001 207 ENOTAUTHENTICATED", async () => {
    const { rpc } = await start();
    const f = await rpc.call("pool.dataset.query", [[], {}]);
    expectErrorShape(f, -32001, "ENOTAUTHENTICATED");
    expect(f.error.data.error).toBe(207);
    expect(f.error.message).toBe("Method call error");
  });

  it("-32601 for the snapshot method of the other version; -32602 with extra triples; -32001 ENOENT/EXDEV", async () => {
    const { fake, rpc } = await start({ version: "25.10" });
    await rpc.login(fake.apiKey);
    const missing = await rpc.call("zfs.snapshot.create", [{ dataset: LAB_SHARE.dataset, name: "a" }]);
    expect(missing.error).toEqual({ code: -32601, message: "Method does not exist" });
    const invalid = await rpc.call("pool.snapshot.create", [{ dataset: LAB_SHARE.dataset, name: "a", naming_schema: "auto-%Y" }]);
    expectErrorShape(invalid, -32602, "EINVAL");
    expect(invalid.error.message).toBe("Invalid params");
    expect(invalid.error.data.extra[0]).toHaveLength(3);
    expect(invalid.error.data.extra[0][2]).toBe(22);
    expectErrorShape(await rpc.call("filesystem.listdir", [`${LAB_SHARE.mountpoint}/nope`]), -32001, "ENOENT");
    expectErrorShape(await rpc.call("filesystem.stat", ["/etc/passwd"]), -32001, "EXDEV");
    expectErrorShape(await rpc.call("filesystem.listdir", [`${LAB_SHARE.mountpoint}/traefik/acme.json`]), -32001, "ENOTDIR");
  });

  it("invalid JSON is -32700 and a batch is -32600, both with id null", async () => {
    const { rpc } = await start();
    rpc.ws.send("{not json");
    rpc.ws.send(JSON.stringify([{ jsonrpc: "2.0", id: 1, method: "core.ping", params: [] }]));
    await new Promise((r) => setTimeout(r, 50));
    expect(rpc.frames.map((f) => [f.id, f.error?.code])).toEqual([[null, -32700], [null, -32600]]);
  });
});

describe("fake TrueNAS auth and seed", () => {
  it("revokes the key for good after a login from a non-loopback peer over plain ws", async () => {
    const { fake, rpc } = await start({}, { "X-Real-Remote-Addr": "10.20.10.99" });
    expect((await rpc.login(fake.apiKey)).result).toEqual({ response_type: "EXPIRED" });
    expect(fake.keyRevoked).toBe(true);
    const local = await Rpc.open(fake.url);
    rpcs.push(local);
    expect((await local.login(fake.apiKey)).result).toEqual({ response_type: "EXPIRED" });
  });

  it("accepts a remote peer behind TLS (X-Https: on) and rejects a wrong secret with AUTH_ERR", async () => {
    const { fake, rpc } = await start({}, { "X-Real-Remote-Addr": "10.20.10.99", "X-Https": "on" });
    expect((await rpc.login(`${fake.apiKey.split("-")[0]}-wrong`)).result).toEqual({ response_type: "AUTH_ERR" });
    expect((await rpc.login(fake.apiKey)).result).toMatchObject({ response_type: "SUCCESS" });
    expect(fake.keyRevoked).toBe(false);
  });

  it("seeds OCP folders that follow the documented pattern, one dataset and one outward symlink", async () => {
    const { fake } = await start();
    for (const name of [...SEED_OCP.plain, SEED_OCP.dataset, SEED_OCP.symlink]) expect(name).toMatch(OCP_FOLDER_PATTERN);
    expect(fake.fs.datasets.has(`${LAB_SHARE.dataset}/${SEED_OCP.dataset}`)).toBe(true);
    expect(fake.fs.exists(SEED_OCP.symlinkTarget)).toBe(true);
    expect(() => fake.fs.removePath(`${LAB_SHARE.mountpoint}/${SEED_OCP.dataset}`)).toThrow(/mountpoint/);
    const path = `${LAB_SHARE.mountpoint}/${SEED_OCP.plain[0]}`;
    expect(fake.fs.removePath(path)).toBe(true);
    expect(fake.fs.exists(path)).toBe(false);
    expect(fake.fs.restorePath(path, `${LAB_SHARE.dataset}@auto-2025-11-01_00-00`)).toBe(true);
    expect(fake.fs.exists(`${path}/auth/kubeconfig`)).toBe(true);
  });
});
