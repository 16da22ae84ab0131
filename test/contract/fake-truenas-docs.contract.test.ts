import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { FakeTrueNas } from "../../lab/truenas/fake-truenas.ts";
import { LAB_SHARE } from "../../lab/homelab.ts";
import { upstreamJson } from "../helpers/upstream.ts";

/**
 * No packaged TrueNAS client exists, so the fake's methods are checked against facts transcribed from the TrueNAS
 * API documentation (test/fixtures/upstream/truenas/api-docs-facts.json, provenance in PROVENANCE.md).
 */
type Facts = Record<string, { params: { name: string; properties?: Record<string, unknown>; oneOf?: { required: string[]; properties: Record<string, unknown> }[] }[]; result: { enum?: unknown[]; keys?: string[]; type_const?: string; property_fields?: string[]; property_sources?: string[] } }>;
const facts = upstreamJson<Facts>("truenas/api-docs-facts.json");

let fake: FakeTrueNas | undefined;
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const ws of sockets.splice(0)) ws.terminate();
  await fake?.close();
  fake = undefined;
});

async function session(version: "24.10" | "25.04" | "25.10") {
  fake = new FakeTrueNas({ stepMs: 10, version });
  await fake.start();
  const ws = new WebSocket(fake.url);
  sockets.push(ws);
  await new Promise((r, j) => ws.once("open", r).once("error", j));
  const frames: Record<string, any>[] = [];
  ws.on("message", (d) => frames.push(JSON.parse(d.toString())));
  let id = 0;
  const call = async (method: string, params: unknown[] = []) => {
    const me = ++id;
    ws.send(JSON.stringify({ jsonrpc: "2.0", id: me, method, params }));
    for (let i = 0; i < 400; i++) {
      const f = frames.find((x) => x.id === me);
      if (f) return f;
      await new Promise((r) => setTimeout(r, 5));
    }
    throw new Error(`no answer to ${method}`);
  };
  const login = version === "24.10"
    ? await call("auth.login_with_api_key", [fake.apiKey])
    : await call("auth.login_ex", [{ mechanism: "API_KEY_PLAIN", username: "root", api_key: fake.apiKey }]);
  expect(login.error).toBeUndefined();
  return { fake, call };
}

describe("fake TrueNAS against the TrueNAS API documentation", () => {
  const del = facts["pool.dataset.delete"]!;
  for (const version of ["24.10", "25.04", "25.10"] as const) {
    it(`${version}: pool.dataset.delete answers a documented result and refuses options it does not know`, async () => {
      const { call } = await session(version);
      expect(Object.keys(del.params[1]!.properties!).sort()).toEqual(["force", "recursive"]);
      const created = await call("pool.dataset.create", [{ name: `${LAB_SHARE.dataset}/docs-check` }]);
      expect(created.error).toBeUndefined();
      const bad = await call("pool.dataset.delete", [`${LAB_SHARE.dataset}/docs-check`, { recursive: false, purge: true }]);
      expect(bad.error?.data?.errname).toBe("EINVAL");
      const ok = await call("pool.dataset.delete", [`${LAB_SHARE.dataset}/docs-check`, { recursive: false, force: false }]);
      expect(ok.error).toBeUndefined();
      expect(del.result.enum).toContain(ok.result);
    });
  }

  const snap = facts["pool.snapshot.create"]!;
  for (const version of ["24.10", "25.10"] as const) {
    it(`${version}: pool.snapshot.create takes the documented shapes and answers a PoolSnapshotCreateUpdateEntry`, async () => {
      const { call } = await session(version);
      const methods = (await call("core.get_methods")).result as Record<string, unknown>;
      expect(Object.keys(methods)).toContain("pool.snapshot.create");
      const [withName] = snap.params[0]!.oneOf!;
      expect(withName!.required).toEqual(["dataset", "name"]);
      const extra = await call("pool.snapshot.create", [{ dataset: LAB_SHARE.dataset, name: "docs-check", label: "x" }]);
      expect(extra.error?.data?.errname).toBe("EINVAL");
      const res = await call("pool.snapshot.create", [{ dataset: LAB_SHARE.dataset, name: "docs-check", recursive: false, exclude: [], properties: {} }]);
      expect(res.error).toBeUndefined();
      const entry = res.result as Record<string, any>;
      expect(Object.keys(entry).sort()).toEqual([...snap.result.keys!].sort());
      expect(entry).toMatchObject({ id: `${LAB_SHARE.dataset}@docs-check`, type: snap.result.type_const, dataset: LAB_SHARE.dataset, snapshot_name: "docs-check" });
      for (const p of Object.values(entry.properties as Record<string, Record<string, unknown>>)) {
        expect(Object.keys(p).sort()).toEqual([...snap.result.property_fields!].sort());
        expect(snap.result.property_sources).toContain(p.source);
      }
    });
  }
});

/**
 * Every method the fake serves and labops' client calls, per profile, against the documented parameter models
 * (names, required, "No Additional Properties") and result types. Where the real server is lenient (CoreOptions ignores
 * unknown options) the fake must be lenient too.
 */
type Loose = Record<string, any>;
const doc = facts as unknown as Record<string, Loose>;
const props = (method: string, i: number) => Object.keys(doc[method]!.params[i].properties as Loose);
const keysOf = (x: unknown) => Object.keys(x as Loose).sort();
const einval = (f: Loose) => f.error?.data?.errname === "EINVAL";

describe("every method labops calls, against the documented models", () => {
  for (const version of ["24.10", "25.04", "25.10"] as const) {
    // The namespace labops' client picks by version (zfs.snapshot.* before 25.10); the 25.10 pool.snapshot models stand in for it.
    const snapNs = version === "25.10" ? "pool.snapshot" : "zfs.snapshot";

    it(`${version}: auth, system, core`, async () => {
      const { fake, call } = await session(version);
      expect(typeof (await call("system.version")).result).toBe(doc["system.version"]!.result.type);
      expect(typeof (await call("system.version_short")).result).toBe(doc["system.version_short"]!.result.type);
      expect(doc["core.ping"]!.result.enum).toContain((await call("core.ping")).result);

      // CoreOptions is `extra="ignore"`: unknown options are dropped, not refused.
      const opts = await call("core.set_options", [{ py_exceptions: false, some_future_option: true }]);
      expect(opts.error).toBeUndefined();
      if (version === "25.10") expect(keysOf(opts.result)).toEqual(props("core.set_options", 0).sort());
      else expect(opts.result).toBeNull();

      const sub = await call("core.subscribe", ["core.get_jobs"]);
      expect(typeof sub.result).toBe(doc["core.subscribe"]!.result.type);
      const unsub = await call("core.unsubscribe", [sub.result]);
      expect(unsub.error).toBeUndefined();
      expect(doc["core.unsubscribe"]!.result.enum).toContain(unsub.result);

      if (version !== "24.10") {
        const login = doc["auth.login_ex"]!;
        const base = { mechanism: "API_KEY_PLAIN", username: fake.keyOwner, api_key: fake.apiKey };
        const ok = await call("auth.login_ex", [{ ...base, login_options: { user_info: false } }]);
        expect(ok.error).toBeUndefined();
        expect(keysOf(ok.result)).toEqual([...login.result.oneOf_response_type.SUCCESS].sort());
        expect(login.result.authenticator_enum).toContain(ok.result.authenticator);
        expect(einval(await call("auth.login_ex", [{ ...base, otp: "123456" }]))).toBe(true);
        const bad = await call("auth.login_ex", [{ ...base, api_key: "1-wrong" }]);
        expect(keysOf(bad.result)).toEqual([...login.result.oneOf_response_type.AUTH_ERR]);
      }
      // Kept beside auth.login_ex (labops uses it when no username is configured).
      const legacy = await call("auth.login_with_api_key", [fake.apiKey]);
      expect(typeof legacy.result).toBe(doc["auth.login_with_api_key"]!.result.type);
      expect(legacy.result).toBe(true);
    });

    it(`${version}: datasets, snapshots, jobs and the filesystem`, async () => {
      const { call } = await session(version);
      const ds = `${LAB_SHARE.dataset}/docs-all`;
      const create = doc["pool.dataset.create"]!.params[0];
      expect(create.filesystem_keys).toEqual(expect.arrayContaining(["name", "type", "sync", "create_ancestors"]));
      expect(einval(await call("pool.dataset.create", [{ name: ds, colour: "blue" }]))).toBe(true);
      const made = await call("pool.dataset.create", [{ name: ds, type: "FILESYSTEM", sync: "INHERIT", create_ancestors: false, user_properties: [] }]);
      expect(made.error).toBeUndefined();
      const entryKeys = doc["pool.dataset.query"]!.result.item_required_keys as string[];
      expect(Object.keys(made.result)).toEqual(expect.arrayContaining(entryKeys));

      const q = await call("pool.dataset.query", [[["id", "=", ds]], {}]);
      expect(Array.isArray(q.result)).toBe(true);
      expect(q.result).toHaveLength(1);
      expect(Object.keys(q.result[0])).toEqual(expect.arrayContaining(entryKeys));

      // Snapshots: create in the profile's create namespace, the rest where labops' client looks them up.
      const snap = await call(`${snapNs}.create`, [{ dataset: ds, name: "one" }]);
      expect(snap.error).toBeUndefined();
      const sq = await call(`${snapNs}.query`, [[["dataset", "=", ds]], {}]);
      expect(sq.result.map((s: Loose) => keysOf(s))).toEqual([[...doc["pool.snapshot.query"]!.result.item_keys].sort()]);
      expect(props("pool.snapshot.rollback", 1)).toContain("recursive");
      expect(einval(await call(`${snapNs}.rollback`, [`${ds}@one`, { recursive: false, purge: true }]))).toBe(true);
      const rb = await call(`${snapNs}.rollback`, [`${ds}@one`, Object.fromEntries(props("pool.snapshot.rollback", 1).map((k) => [k, false]))]);
      expect(rb.error).toBeUndefined();
      expect(doc["pool.snapshot.rollback"]!.result.enum).toContain(rb.result);
      expect(einval(await call(`${snapNs}.delete`, [`${ds}@one`, { recursive: false, purge: true }]))).toBe(true);
      const sd = await call(`${snapNs}.delete`, [`${ds}@one`, { defer: false, recursive: false }]);
      expect(sd.error).toBeUndefined();
      expect(doc["pool.snapshot.delete"]!.result.enum).toContain(sd.result);

      // pool.dataset.destroy_snapshots is a job: with legacy jobs the answer is its id, the result lands in core.get_jobs.
      await call(`${snapNs}.create`, [{ dataset: ds, name: "two" }]);
      expect(einval(await call("pool.dataset.destroy_snapshots", [ds, { snapshots: ["two"], purge: true }]))).toBe(true);
      const job = await call("pool.dataset.destroy_snapshots", [ds, { all: false, recursive: false, snapshots: ["two"] }]);
      expect(job.error).toBeUndefined();
      let found: Loose | undefined;
      for (let i = 0; i < 400 && found?.state !== "SUCCESS"; i++) {
        found = ((await call("core.get_jobs", [[["id", "=", job.result]], {}])).result as Loose[])[0];
        if (found?.state !== "SUCCESS") await new Promise((r) => setTimeout(r, 10));
      }
      expect(found?.state).toBe("SUCCESS");
      expect(found?.result).toEqual([`${ds}@two`]);
      const jobKeys = doc["core.get_jobs"]!.result.item_keys as string[];
      expect(keysOf(found)).toEqual([...(version === "25.10" ? jobKeys : jobKeys.filter((k) => k !== "message_ids"))].sort());
      expect(keysOf(found!.progress)).toEqual([...doc["core.get_jobs"]!.result.progress_keys].sort());

      const ren = doc["pool.dataset.rename"]!;
      expect(einval(await call("pool.dataset.rename", [ds, { new_name: `${ds}-x`, force: true, purge: true }]))).toBe(true);
      const renamed = await call("pool.dataset.rename", [ds, { new_name: `${ds}-2`, recursive: false, force: true }]);
      expect(renamed.error).toBeUndefined();
      expect(ren.result.enum).toContain(renamed.result);

      const st = await call("filesystem.stat", [`/mnt/${ds}-2`]);
      expect(keysOf(st.result)).toEqual([...doc["filesystem.stat"]!.result.keys].sort());
      expect(doc["filesystem.stat"]!.result.type_enum).toContain(st.result.type);
      const ls = await call("filesystem.listdir", [`/mnt/${LAB_SHARE.dataset}`, [], {}]);
      expect((ls.result as Loose[]).length).toBeGreaterThan(0);
      for (const e of ls.result as Loose[]) expect(keysOf(e)).toEqual([...doc["filesystem.listdir"]!.result.item_keys].sort());

      const del = await call("pool.dataset.delete", [`${ds}-2`, { recursive: true, force: false }]);
      expect(doc["pool.dataset.delete"]!.result.enum).toContain(del.result);
    });
  }
});
