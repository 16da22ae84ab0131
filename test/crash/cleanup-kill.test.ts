import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { CrashLab, type Arrival, type WorkerChild } from "../helpers/crash-harness.ts";

/**
 * perf-reliability C1 for /cleanup-ocp (CI tier): a confirmed cleanup (one dataset folder held by rename, two
 * plain folders removed by the AAP template) survives `kill -9` of its worker process at each phase with every
 * deletion, rename and snapshot made once, and one message that continues to one final state.
 */
const SHARE = "/mnt/Media/docker-media";
const LAUNCH = /\/job_templates\/\d+\/launch\/$/;
const MUTATING = /^(pool\.snapshot\.create|zfs\.snapshot\.create|pool\.dataset\.(rename|delete|create)|pool\.snapshot\.(rollback|delete))$/;
const FOLDERS = [
  { name: SEED_OCP.dataset, kind: "dataset" as const },
  ...SEED_OCP.plain.map((name) => ({ name, kind: "folder" as const })),
];

describe("worker kill -9 during a confirmed /cleanup-ocp (real processes)", () => {
  let c: CrashLab;
  let worker: WorkerChild;
  const reattachMs: Record<string, number> = {};
  beforeAll(async () => {
    c = await CrashLab.start();
    worker = c.spawnWorker();
    await worker.ready;
  });
  afterAll(async () => {
    console.info(`re-attach time (kill → first edit by the next worker), ms: ${JSON.stringify(reattachMs)}`);
    await c?.close();
  });

  async function cleanupThroughKill(phase: string, arm: () => Arrival) {
    c.reseedTrueNas();
    const calls0 = c.lab.truenas.calls().length;
    const arrival = arm();
    const jobId = await c.enqueueCleanup(FOLDERS);
    await arrival;
    const killed = worker;
    const tKill = await c.kill9(killed);
    worker = c.spawnWorker();
    const msg = await c.final(jobId);
    const last = msg.entries.at(-1)!.msg;
    expect(last.state).toBe("success");
    expect(renderText(last)).toContain("Verified gone: 3 folders");

    // The lab: each folder gone once; the dataset held (renamed) once, never destroyed; one snapshot of the share.
    for (const f of FOLDERS) expect(c.lab.truenas.fs.exists(`${SHARE}/${f.name}`)).toBe(false);
    const held = [...c.lab.truenas.fs.datasets.keys()].filter((k) => k.startsWith(`Media/labops-held/${SEED_OCP.dataset}--`));
    expect(held).toHaveLength(1);
    expect(c.lab.truenas.fs.snapshots.has(`Media/docker-media@labops-cleanup-${jobId}`)).toBe(true);
    const calls = c.lab.truenas.calls().slice(calls0).filter((x) => MUTATING.test(x.method));
    const count = (m: string) => calls.filter((x) => x.method === m).length;
    expect(count("pool.dataset.rename")).toBe(1);
    expect(count("pool.dataset.delete")).toBe(0);
    expect(count("pool.snapshot.rollback") + count("pool.snapshot.delete")).toBe(0);
    const launches = c.lab.aap.launches().filter((l) => l.templateName === "Cleanup OCP Folders" && String(l.extraVars.labops_correlation).startsWith(`${jobId}/`));
    expect(launches).toHaveLength(1);
    expect(launches[0]!.extraVars.cleanup_folders).toEqual([...SEED_OCP.plain]);
    expect([...c.launchesByCorrelation("Cleanup OCP Folders").values()].every((n) => n === 1)).toBe(true);

    // The same message continued to one final state.
    expect(c.book.forJob(jobId)).toHaveLength(1);
    expect(msg.entries.filter((e) => e.kind === "post")).toHaveLength(1);
    expect(msg.entries.some((e) => e.child === killed.label)).toBe(true);
    const byNext = msg.entries.filter((e) => e.child === worker.label);
    expect(byNext.length).toBeGreaterThan(0);
    expect(c.book.finals(msg)).toHaveLength(1);
    reattachMs[phase] = byNext[0]!.t - tKill;
    await c.waitFor(async () => (await c.completions(jobId)) >= 1, 5_000, "completion");
    expect(await c.completions(jobId)).toBe(1);
    return { jobId, count };
  }

  it("phase 5, before the snapshot (intent saved, the create call never processed): one snapshot, then the deletions", async () => {
    const r = await cleanupThroughKill("5-before-snapshot", () => c.holdTrueNas("pool.snapshot.create", "drop"));
    expect(r.count("pool.snapshot.create")).toBe(2); // the first was dropped by the nemesis before TrueNAS processed it
    expect(c.lab.truenas.fs.snapshots.get(`Media/docker-media@labops-cleanup-${r.jobId}`)).toBeDefined();
  });

  it("phase 6, after the snapshot was taken but before the worker saw the answer: no second snapshot", async () => {
    const r = await cleanupThroughKill("6-after-snapshot", () => c.holdTrueNas("pool.snapshot.create", "response"));
    expect(r.count("pool.snapshot.create")).toBe(1);
  });

  it("phase 7, between deletions (dataset renamed, AAP folder removal not yet launched): no second rename, one AAP launch", async () => {
    const r = await cleanupThroughKill("7-between-deletions", () => c.holdAap("POST", LAUNCH, "unprocessed"));
    expect(r.count("pool.snapshot.create")).toBe(1);
    expect(c.lab.aap.http.requests.filter((q) => q.method === "POST" && LAUNCH.test(q.path) && JSON.stringify(q.body).includes(r.jobId))).toHaveLength(2);
  });
});
