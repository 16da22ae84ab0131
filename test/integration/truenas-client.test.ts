import { createServer } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { TrueNasCallError, TrueNasClient } from "../../src/clients/truenas/truenas-client.ts";
import { ApiError, ConfigError, UserError } from "../../src/errors.ts";
import { FakeTrueNas } from "../../lab/truenas/fake-truenas.ts";
import { SEED_APPS, SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { LAB_SHARE } from "../../lab/homelab.ts";

const SHARE = LAB_SHARE.mountpoint;
const OCP_DS = `${LAB_SHARE.dataset}/${SEED_OCP.dataset}`;

let fakes: FakeTrueNas[] = [];
let clients: TrueNasClient[] = [];

async function lab(version: "24.10" | "25.04" | "25.10" = "25.10", stepMs = 20) {
  const fake = new FakeTrueNas({ version, stepMs, keyOwner: "labops" });
  await fake.start();
  fakes.push(fake);
  const client = new TrueNasClient({ url: fake.url, apiKey: fake.apiKey, username: "labops", timeoutMs: 2_000 });
  clients.push(client);
  return { fake, client };
}

afterEach(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await Promise.all(fakes.map((f) => f.close()));
  clients = [];
  fakes = [];
});

describe("TrueNasClient login and transport", () => {
  it("logs in with auth.login_ex API_KEY_PLAIN and detects the version", async () => {
    const { fake, client } = await lab();
    await client.connect();
    const login = fake.calls().find((c) => c.method === "auth.login_ex");
    expect(login?.params[0]).toMatchObject({ mechanism: "API_KEY_PLAIN", username: "labops", api_key: fake.apiKey });
    expect(client.version).toBe("25.10.0");
    expect(client.snapshotNamespace).toBe("pool.snapshot");
    expect(await client.detectVersion()).toMatchObject({ label: "TrueNAS SCALE 25.10.0", supported: true });
  });

  it("on 24.10 (no auth.login_ex, keys belong to no user) logs in with auth.login_with_api_key and snapshots with zfs.snapshot", async () => {
    const { fake, client } = await lab("24.10");
    await client.connect();
    expect(fake.count("auth.login_with_api_key")).toBe(1);
    expect(client.snapshotNamespace).toBe("zfs.snapshot");
    const snap = await client.createSnapshot(LAB_SHARE.dataset, "labops-2410");
    expect(snap.id).toBe(`${LAB_SHARE.dataset}@labops-2410`);
    expect(fake.count("zfs.snapshot.create")).toBe(1);
    expect(await client.detectVersion()).toMatchObject({ label: "TrueNAS SCALE 24.10.2", supported: true });
  });

  it("a key used with another user's name is refused with a message naming TRUENAS_USERNAME, not a bare AUTH_ERR", async () => {
    const fake = new FakeTrueNas({ stepMs: 20, version: "25.04", keyOwner: "labops" });
    await fake.start();
    fakes.push(fake);
    const client = new TrueNasClient({ url: fake.url, apiKey: fake.apiKey, username: "root" });
    clients.push(client);
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toMatch(/rejected the API key for user "root".*TRUENAS_USERNAME must name the user the key was created for/);
    expect(String((err as Error).message)).not.toContain(fake.apiKey);
  });

  it("without a username the legacy login is used, and a refusal says to set TRUENAS_USERNAME", async () => {
    const fake = new FakeTrueNas({ stepMs: 20, version: "25.04", keyOwner: "labops" });
    await fake.start();
    fakes.push(fake);
    const ok = new TrueNasClient({ url: fake.url, apiKey: fake.apiKey });
    clients.push(ok);
    await ok.connect();
    expect(fake.count("auth.login_ex")).toBe(0);
    expect(fake.count("auth.login_with_api_key")).toBe(1);
    const bad = new TrueNasClient({ url: fake.url, apiKey: "1-wrongsecretwrongsecretwrongsecret" });
    clients.push(bad);
    const err = await bad.connect().catch((e: unknown) => e);
    expect((err as ApiError).reason).toMatch(/an API key belongs to a user: set TRUENAS_USERNAME/);
  });

  it("pool.dataset.delete answering null (25.04+) or true (24.10) both count as deleted", async () => {
    for (const version of ["24.10", "25.04"] as const) {
      const { client } = await lab(version);
      expect(await client.deleteDataset(OCP_DS, { recursive: true })).toBe(true);
      expect(await client.datasetQuery(OCP_DS)).toBeUndefined();
      expect(await client.deleteDataset(OCP_DS, { recursive: true })).toBe(false);
    }
  });

  it("a bad key is an ApiError saying TrueNAS rejected the API key, without the key in it", async () => {
    const fake = new FakeTrueNas({ stepMs: 20 });
    await fake.start();
    fakes.push(fake);
    const badKey = "1-wrongsecretwrongsecretwrongsecret";
    const client = new TrueNasClient({ url: fake.url, apiKey: badKey, username: "root" });
    clients.push(client);
    const err = await client.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).message).toMatch(/rejected the API key for user "root" \(AUTH_ERR\)/);
    expect((err as ApiError).retryable).toBe(false);
    expect(String((err as Error).message)).not.toContain(badKey);
    expect(fake.count("system.version_short")).toBe(0);
  });

  it("a method called before login gets -32001 ENOTAUTHENTICATED (raw socket)", async () => {
    const { fake } = await lab();
    const { default: WebSocket } = await import("ws");
    const ws = new WebSocket(fake.url);
    await new Promise((r) => ws.once("open", r));
    const reply = new Promise<string>((r) => ws.once("message", (d) => r(d.toString())));
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: 7, method: "filesystem.listdir", params: [SHARE] }));
    const frame = JSON.parse(await reply);
    ws.close();
    expect(frame).toMatchObject({ jsonrpc: "2.0", id: 7, error: { code: -32001, data: { error: 207, errname: "ENOTAUTHENTICATED" } } });
    expect(frame.error.data.reason).toContain("Not authenticated");
  });

  it("refuses ws:// to a non-loopback host before opening any socket", async () => {
    let connections = 0;
    const probe = createServer(() => connections++);
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const key = "1-secretsecretsecret";
    const make = () => new TrueNasClient({ url: "ws://10.20.0.20/api/current", apiKey: key });
    expect(make).toThrow(ConfigError);
    expect(make).toThrow(/revokes an API key/);
    expect(() => make()).not.toThrow(new RegExp(key));
    // loopback and wss are fine
    expect(() => new TrueNasClient({ url: "ws://localhost:1/api/current", apiKey: key })).not.toThrow();
    expect(() => new TrueNasClient({ url: "wss://truenas01.lab.home.arpa/api/current", apiKey: key })).not.toThrow();
    expect(connections).toBe(0);
    await new Promise<void>((r) => probe.close(() => r()));
  });
});

describe("TrueNasClient filesystem and datasets", () => {
  it("lists the share: plain dirs, the dataset mountpoint, the symlink as SYMLINK", async () => {
    const { client } = await lab();
    const entries = await client.listdir(SHARE);
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const app of SEED_APPS) expect(byName.get(app)).toMatchObject({ type: "DIRECTORY", is_mountpoint: false });
    expect(byName.get(SEED_OCP.plain[0])).toMatchObject({ type: "DIRECTORY", is_mountpoint: false, path: `${SHARE}/${SEED_OCP.plain[0]}` });
    expect(byName.get(SEED_OCP.dataset)).toMatchObject({ type: "DIRECTORY", is_mountpoint: true });
    expect(byName.get(SEED_OCP.symlink)).toMatchObject({ type: "SYMLINK", realpath: SEED_OCP.symlinkTarget });
    const dirsOnly = await client.listdir(SHARE, { type: "DIRECTORY" });
    expect(dirsOnly.some((e) => e.type !== "DIRECTORY")).toBe(false);
  });

  it("stat: ENOENT is undefined, an old OCP folder has its old mtime, other errors throw", async () => {
    const { client } = await lab();
    expect(await client.stat(`${SHARE}/nope`)).toBeUndefined();
    const st = await client.stat(`${SHARE}/${SEED_OCP.plain[0]}`);
    expect(st?.type).toBe("DIRECTORY");
    expect(new Date((st?.mtime ?? 0) * 1000).toISOString().slice(0, 10)).toBe("2025-03-14");
    const err = await client.stat("relative/path").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrueNasCallError);
    expect((err as TrueNasCallError).errname).toBe("EINVAL");
  });

  it("finds the child dataset and lists children", async () => {
    const { client } = await lab();
    expect(await client.datasetQuery(OCP_DS)).toMatchObject({ id: OCP_DS, mountpoint: `${SHARE}/${SEED_OCP.dataset}` });
    expect(await client.datasetQuery(`${LAB_SHARE.dataset}/${SEED_OCP.plain[0]}`)).toBeUndefined();
    expect((await client.childDatasets(LAB_SHARE.dataset)).map((d) => d.id)).toEqual([OCP_DS]);
  });

  it("renames the dataset out of the share and back; snapshots travel with it", async () => {
    const { fake, client } = await lab();
    await client.createSnapshot(OCP_DS, "before-move");
    const parked = `Media/backups/${SEED_OCP.dataset}`;
    await client.renameDataset(OCP_DS, parked);
    expect((await client.listdir(SHARE)).some((e) => e.name === SEED_OCP.dataset)).toBe(false);
    expect(await client.stat(`/mnt/${parked}/install-config.yaml`)).toBeDefined();
    expect((await client.listSnapshots(parked)).map((s) => s.id)).toContain(`${parked}@before-move`);
    expect(await client.listSnapshots(OCP_DS)).toEqual([]);
    await client.renameDataset(parked, OCP_DS);
    expect((await client.listdir(SHARE)).find((e) => e.name === SEED_OCP.dataset)?.is_mountpoint).toBe(true);
    expect(fake.calls().filter((c) => c.method === "pool.dataset.rename").map((c) => c.params[1])).toEqual([
      { new_name: parked, force: true },
      { new_name: OCP_DS, force: true },
    ]);
  });

  it("the API refuses a rename without force (-32602 with the validation triple)", async () => {
    const { client } = await lab();
    const err = await client.renameDataset(OCP_DS, "Media/backups/x", { force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TrueNasCallError);
    expect((err as TrueNasCallError).code).toBe(-32602);
    expect((err as TrueNasCallError).reason).toContain("pool.dataset.rename.force");
    expect((err as TrueNasCallError).extra?.[0]).toEqual(expect.arrayContaining(["pool.dataset.rename.force"]));
  });

  it("creates and deletes a dataset exactly once; a second delete is false", async () => {
    const { fake, client } = await lab();
    const ds = await client.createDataset("Media/backups/scratch");
    expect(ds).toMatchObject({ id: "Media/backups/scratch", type: "FILESYSTEM", mountpoint: "/mnt/Media/backups/scratch" });
    expect(await client.deleteDataset("Media/backups/scratch")).toBe(true);
    expect(await client.deleteDataset("Media/backups/scratch")).toBe(false);
    expect(fake.count("pool.dataset.delete")).toBe(2);
    const err = await client.deleteDataset(LAB_SHARE.dataset).catch((e: unknown) => e);
    expect((err as TrueNasCallError).errname).toBe("ENOTEMPTY");
    expect(await client.deleteDataset(OCP_DS, { recursive: true })).toBe(true);
    expect(await client.stat(`${SHARE}/${SEED_OCP.dataset}`)).toBeUndefined();
  });
});

describe("TrueNasClient snapshots and jobs", () => {
  for (const version of ["25.04", "25.10"] as const) {
    it(`creates a snapshot with the ${version} method and refuses a duplicate (EEXIST)`, async () => {
      const { fake, client } = await lab(version);
      const snap = await client.createSnapshot(LAB_SHARE.dataset, "chatops-predelete-20250203T101500", { recursive: true });
      expect(snap).toMatchObject({ id: `${LAB_SHARE.dataset}@chatops-predelete-20250203T101500`, type: "SNAPSHOT", dataset: LAB_SHARE.dataset });
      const expected = version === "25.10" ? "pool.snapshot.create" : "zfs.snapshot.create";
      expect(fake.count(expected)).toBe(1);
      expect(fake.count(version === "25.10" ? "zfs.snapshot.create" : "pool.snapshot.create")).toBe(0);
      const dup = await client.createSnapshot(LAB_SHARE.dataset, "chatops-predelete-20250203T101500").catch((e: unknown) => e);
      expect(dup).toBeInstanceOf(TrueNasCallError);
      expect(dup).toMatchObject({ errname: "EEXIST", status: 409, retryable: false });
    });
  }

  it("falls back to the other snapshot method on -32601 when the version could not be read", async () => {
    const { fake, client } = await lab("25.04");
    fake.inject("system.version_short", { error: { errname: "EACCES", reason: "[EACCES] Not authorized" }, times: 1 });
    await client.connect();
    expect(client.snapshotNamespace).toBe("pool.snapshot");
    await client.createSnapshot(LAB_SHARE.dataset, "fallback-1");
    expect(client.snapshotNamespace).toBe("zfs.snapshot");
    expect([fake.count("pool.snapshot.create"), fake.count("zfs.snapshot.create")]).toEqual([1, 1]);
  });

  it("rejects an invalid snapshot name before calling TrueNAS", async () => {
    const { fake, client } = await lab();
    await expect(client.createSnapshot(LAB_SHARE.dataset, "bad name!")).rejects.toBeInstanceOf(UserError);
    expect(fake.count("pool.snapshot.create")).toBe(0);
  });

  it("a rollback brings back a plain folder removed over SSH", async () => {
    const { fake, client } = await lab("25.04");
    await client.createSnapshot(LAB_SHARE.dataset, "pre-clean");
    const path = `${SHARE}/${SEED_OCP.plain[1]}`;
    expect(fake.fs.removePath(path)).toBe(true);
    expect(await client.stat(path)).toBeUndefined();
    await client.rollbackSnapshot(`${LAB_SHARE.dataset}@pre-clean`);
    expect(await client.stat(path)).toMatchObject({ type: "DIRECTORY" });
    expect(fake.count("zfs.snapshot.rollback")).toBe(1);
  });

  it("polls a job WAITING → RUNNING → SUCCESS", async () => {
    const { client } = await lab("25.10", 30);
    await client.createSnapshot(LAB_SHARE.dataset, "old-1");
    const jobId = await client.call<number>("pool.dataset.destroy_snapshots", [LAB_SHARE.dataset, { snapshots: ["old-1"] }]);
    expect(typeof jobId).toBe("number");
    expect((await client.getJob(jobId)).state).toBe("WAITING");
    const job = await client.waitForJob(jobId, { intervalMs: 10 });
    expect(job.state).toBe("SUCCESS");
    expect(job.result).toEqual([`${LAB_SHARE.dataset}@old-1`]);
    expect(job.time_started).toBeInstanceOf(Date);
    expect(job.time_finished).toBeInstanceOf(Date);
    expect(await client.listSnapshots(LAB_SHARE.dataset)).not.toContainEqual(expect.objectContaining({ snapshot_name: "old-1" }));
  });
});

describe("TrueNasClient failures", () => {
  it("a hung call hits the client timeout as a retryable ApiError", async () => {
    const { fake, client } = await lab();
    await client.connect();
    fake.inject("filesystem.listdir", { hangMs: 5_000, times: 1 });
    const started = Date.now();
    const err = await client.listdir(SHARE, { timeoutMs: 100 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ retryable: true, method: "filesystem.listdir", path: "/api/current" });
    expect((err as ApiError).reason).toMatch(/timed out/);
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it("an injected -32001 error maps to TrueNasCallError with errname and reason", async () => {
    const errors: ApiError[] = [];
    const fake = new FakeTrueNas({ stepMs: 20 });
    await fake.start();
    fakes.push(fake);
    const client = new TrueNasClient({ url: fake.url, apiKey: fake.apiKey, onError: (e) => errors.push(e) });
    clients.push(client);
    fake.inject("pool.dataset.query", { error: { errname: "EBUSY", reason: "[EBUSY] pool is busy" }, times: 1 });
    const err = await client.datasetQuery(OCP_DS).catch((e: unknown) => e);
    expect(err).toMatchObject({ errname: "EBUSY", code: -32001, service: "truenas" });
    expect(errors).toHaveLength(1);
    expect(await client.datasetQuery(OCP_DS)).toBeDefined();
  });

  it("a dropped connection fails the pending call and reconnects on the next call", async () => {
    const { fake, client } = await lab();
    await client.connect();
    fake.inject("filesystem.stat", { hangMs: 5_000, times: 1 });
    const pending = client.stat(SHARE).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 30));
    fake.dropConnections();
    const err = await pending;
    expect(err).toMatchObject({ retryable: true });
    expect((err as ApiError).reason).toMatch(/connection closed/);
    expect(await client.stat(SHARE)).toMatchObject({ is_mountpoint: true });
    expect(fake.count("auth.login_ex")).toBe(2);
  });
});
