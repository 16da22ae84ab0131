import WebSocket from "ws";
import { afterEach, describe, expect, it } from "vitest";
import { FakeTrueNas } from "../../src/lab/fake-truenas.ts";
import { LAB_SHARE } from "../../src/lab/homelab.ts";
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
