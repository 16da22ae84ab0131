import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { actorKey } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { ESCAPE_CORPUS } from "../unit/cleanup-escape-corpus.ts";
import { button, click, exists, fsImage, mutatingCalls, reseed, runPreview, SHARE, swapForSymlink } from "./cleanup-helpers.ts";

const PATTERN = "^ocp-[a-z0-9]+(-[a-z0-9]+)*-[0-9]{4}-[0-9]{2}-[0-9]{2}$";
const cleanupLaunches = (h: Harness) => h.lab.aap.launches().filter((l) => l.templateName === "Cleanup OCP Folders");
const busy = { error: { code: -32000, errname: "EBUSY", reason: "Too many concurrent calls" }, times: 1 };

describe("/cleanup-ocp safety: retries, races, tampered plans, purge", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ tweak: (c) => void (c.limits.jobAttempts = 5) });
  });
  beforeEach(() => reseed(h));
  afterAll(async () => {
    await h.close();
  });

  it("a retry after failures mid-way neither snapshots, renames, launches nor deletes twice", async () => {
    const { msg } = await runPreview(h, "/cleanup-ocp");
    h.lab.truenas.inject("pool.dataset.rename", busy); // attempt 1 fails after the snapshot
    const ack = (await click(h, button(msg, "Confirm"))).reply!;
    // Attempt 2 fails after the AAP launch, at the verification (the first stat once the launch exists).
    const t0 = Date.now();
    while (cleanupLaunches(h).length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 2));
    h.lab.truenas.inject("filesystem.stat", busy);
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    const history = h.notifier.forJob(ack.jobId!)!.history.flatMap((m) => m.lines ?? []);
    expect(history.filter((l) => l.includes("retrying")).length).toBe(2);

    const snapName = `labops-cleanup-${ack.jobId}`;
    expect(h.lab.truenas.calls().filter((c) => c.method === `${h.labops.clients.truenas!.snapshotNamespace}.create` && (c.params[0] as { name: string }).name === snapName)).toHaveLength(1);
    expect(cleanupLaunches(h)).toHaveLength(1);
    expect(cleanupLaunches(h)[0]!.extraVars.cleanup_folders).toEqual([...SEED_OCP.plain]);
    const held = [...h.lab.truenas.fs.datasets.keys()].filter((k) => k.startsWith("Media/labops-held/"));
    expect(held).toHaveLength(1);
    for (const n of [...SEED_OCP.plain, SEED_OCP.dataset]) expect(exists(h, `${SHARE}/${n}`)).toBe(false);
    expect(renderText(final)).toContain("Verified gone: 3 folders");
    h.lab.truenas.clearFaults();
  });

  it("re-validates at execute time: a folder swapped for a symlink after the preview is skipped, its target untouched", async () => {
    const target = JSON.stringify(fsImage(h.lab.truenas.fs));
    const { msg } = await runPreview(h, "/cleanup-ocp");
    swapForSymlink(h, SEED_OCP.plain[0], SEED_OCP.symlinkTarget);
    const ack = (await click(h, button(msg, "Confirm"))).reply!;
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("failure"); // something asked for was refused: the person must look
    expect(renderText(final)).toContain(`${SEED_OCP.plain[0]}: a symlink (to ${SEED_OCP.symlinkTarget}); never followed`);
    const launch = cleanupLaunches(h).at(-1)!;
    expect(launch.extraVars.cleanup_folders).toEqual([SEED_OCP.plain[1]]);
    expect(h.lab.truenas.fs.resolve(`${SHARE}/${SEED_OCP.plain[0]}`)!.node!.type).toBe("SYMLINK");
    const before = JSON.parse(target) as { datasets: Record<string, unknown> };
    expect(fsImage(h.lab.truenas.fs)).toMatchObject({ datasets: { "Media/backups": before.datasets["Media/backups"] } });
    expect(final.buttons?.map((b) => b.label)).toEqual(["Restore"]);
  });

  it("a tampered plan with escape names is refused whole: nothing changes anywhere, nothing is launched", async () => {
    const image = JSON.stringify(fsImage(h.lab.truenas.fs));
    const launches = h.lab.aap.launches().length;
    const mutating = mutatingCalls(h).length;
    const usable = ESCAPE_CORPUS.filter((n) => n.length >= 1 && n.length <= 200);
    const plans = [];
    for (let i = 0; i < usable.length; i += 10) {
      const names = usable.slice(i, i + 10);
      plans.push(names.map((name, j) => ({ name, kind: j % 2 ? "dataset" : "folder" })));
      plans.push([{ name: SEED_OCP.plain[0], kind: "folder" }, ...names.slice(0, 1).map((name) => ({ name, kind: "folder" }))]);
    }
    plans.push([{ name: "", kind: "folder" }], [{ name: SEED_OCP.plain[0], kind: "folder" }, { name: SEED_OCP.plain[0], kind: "folder" }]);
    for (const folders of plans) {
      const id = await h.labops.ack.actions.create({
        kind: "cleanup-confirm", requires: "admin", singleUse: true, ttlMs: 60_000, boundTo: actorKey(h.admin),
        payload: { plan: { share: SHARE, dataset: "Media/docker-media", pattern: PATTERN, previewJobId: "x", folders }, lockKey: "truenas:Media/docker-media", nonce: `t-${Math.random()}` },
      });
      const out = await click(h, id);
      if (!out.reply?.jobId) {
        expect(out.reply?.state).toBe("failure"); // refused before any job exists (schema)
        continue;
      }
      const final = await h.notifier.final(out.reply.jobId);
      expect(final.state).toBe("failure");
      expect(renderText(final)).toContain("Refusing the whole plan, nothing was touched");
    }
    expect(JSON.stringify(fsImage(h.lab.truenas.fs))).toBe(image);
    expect(h.lab.aap.launches().length).toBe(launches);
    expect(mutatingCalls(h).length).toBe(mutating);
  });

  it("the lab's cleanup_ocp.yml refuses each escape name too, deleting nothing outside (or inside) the share", async () => {
    const image = JSON.stringify(fsImage(h.lab.truenas.fs));
    const aap = h.labops.clients.aap!;
    const tpl = await aap.findJobTemplate("Cleanup OCP Folders");
    const jobs = await Promise.all(ESCAPE_CORPUS.map((evil) =>
      aap.launch(tpl.id, { extra_vars: { cleanup_share: SHARE, cleanup_pattern: PATTERN, cleanup_folders: [SEED_OCP.plain[0], evil] }, limit: "truenas01" })));
    for (const { jobId } of jobs) {
      let job = await aap.getJob(jobId);
      while (!["successful", "failed", "error", "canceled"].includes(job.status)) job = await (await new Promise((r) => setTimeout(r, 20)), aap.getJob(jobId));
      expect(job.status).toBe("failed");
    }
    expect(JSON.stringify(fsImage(h.lab.truenas.fs))).toBe(image);
  });

  it("--purge destroys exactly the held folders past retention, after its own confirmation", async () => {
    const { msg } = await runPreview(h, "/cleanup-ocp");
    const done = await h.notifier.final((await click(h, button(msg, "Confirm"))).reply!.jobId!);
    expect(done.state).toBe("success");
    const held = [...h.lab.truenas.fs.datasets.keys()].filter((k) => k.startsWith("Media/labops-held/"));
    h.lab.truenas.fs.addDataset("Media/labops-held/manual-keep");

    const early = await runPreview(h, "/cleanup-ocp --purge");
    expect(early.msg.title).toBe("Nothing to purge in Media/labops-held");
    expect(renderText(early.msg)).toContain("Kept `ocp-lab-2024-11-30`");

    const retention = h.config.truenasSettings.retention;
    h.config.truenasSettings.retention = 1;
    try {
      const { msg: purge } = await runPreview(h, "/cleanup-ocp --purge");
      expect(purge.title).toBe("Destroy 1 held OCP folder for good?");
      expect(renderText(purge)).toContain("Not made by labops, never touched: `Media/labops-held/manual-keep`");
      const before = h.lab.truenas.count("pool.dataset.delete");
      const ack = (await click(h, button(purge, "Confirm"))).reply!;
      const final = await h.notifier.final(ack.jobId!);
      expect(final.state).toBe("success");
      const deletes = h.lab.truenas.calls().filter((c) => c.method === "pool.dataset.delete");
      expect(deletes.length - before).toBe(1);
      expect(deletes.at(-1)!.params).toEqual([held[0], { recursive: true, force: false }]);
      expect(h.lab.truenas.fs.datasets.has(held[0]!)).toBe(false);
      expect(h.lab.truenas.fs.datasets.has("Media/labops-held/manual-keep")).toBe(true);
      expect(h.lab.truenas.fs.datasets.has("Media/docker-media")).toBe(true);
      expect(h.lab.truenas.fs.datasets.has("Media/backups")).toBe(true);
    } finally {
      h.config.truenasSettings.retention = retention;
    }
  });
});
