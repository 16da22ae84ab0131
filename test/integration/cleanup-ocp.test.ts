import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { SEED_APPS, SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { button, click, exists, mutatingCalls, runPreview, SHARE, slackAdmin, slackNobody } from "./cleanup-helpers.ts";

const HELD = /^Media\/labops-held\/ocp-lab-2024-11-30--\d{8}T\d{6}Z--[0-9a-f]{12}$/;
const cleanupLaunches = (h: Harness) => h.lab.aap.launches().filter((l) => l.templateName === "Cleanup OCP Folders");

describe("/cleanup-ocp end to end (preview → confirm → snapshot → delete → restore)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ env: { LABOPS_ADMINS: "slack:UADMIN2" } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses a non-admin on the ack path and queues nothing", async () => {
    const ack = await h.run("/cleanup-ocp", slackNobody);
    expect(ack.state).toBe("failure");
    expect(renderText(ack)).toContain("needs the admin role");
    expect(await h.labops.queue.queue.count()).toBe(0);
    expect(mutatingCalls(h)).toHaveLength(0);
  });

  it("previews exactly the OCP folders, with size and age, and reports the symlink as skipped", async () => {
    const { msg } = await runPreview(h, "/cleanup-ocp");
    const text = renderText(msg);
    expect(msg.state).toBe("warning");
    expect(msg.title).toBe(`Delete 3 OCP folders from ${SHARE}?`);
    expect(text).toMatch(/`ocp-lab-2024-11-30` — dataset \(moved to holding, not destroyed\), [\d.]+ KiB, modified 2024-11-30/);
    expect(text).toMatch(/`ocp-sno01-2025-03-14` — folder, [\d.]+ KiB, modified 2025-03-14 \(\d+ days ago\)/);
    expect(text).toContain("Skipped `ocp-sno01-2024-09-10`: a symlink (to /mnt/Media/backups/ocp-keep); never followed.");
    expect(text).toContain("7 other folders");
    for (const app of SEED_APPS) expect(text).not.toContain(`\`${app}\``);
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Confirm", "Cancel"]);
    expect(mutatingCalls(h)).toHaveLength(0); // a preview only reads
    await click(h, button(msg, "Cancel"));
  });

  it("filters by --older-than and refuses a bad age", async () => {
    const { msg } = await runPreview(h, "/cleanup-ocp --older-than 20000d");
    expect(msg.title).toBe(`Nothing to clean up under ${SHARE}`);
    expect(renderText(msg)).toMatch(/Skipped `ocp-sno01-2025-03-14`: only \d+ days old/);
    const bad = await h.run("/cleanup-ocp --older-than yesterday");
    expect(renderText(bad)).toContain("an age like 30d");
  });

  it("refuses an expired confirmation and a canceled one", async () => {
    const ttl = h.config.limits.confirmTtl;
    h.config.limits.confirmTtl = 150;
    try {
      const { msg } = await runPreview(h, "/cleanup-ocp");
      await new Promise((r) => setTimeout(r, 300));
      const late = await click(h, button(msg, "Confirm"));
      expect(renderText(late.reply!)).toContain("expired or was already used");
    } finally {
      h.config.limits.confirmTtl = ttl;
    }
    const { msg } = await runPreview(h, "/cleanup-ocp");
    const canceled = await click(h, button(msg, "Cancel"));
    expect(canceled.update?.state).toBe("canceled");
    expect(renderText((await click(h, button(msg, "Confirm"))).reply!)).toContain("expired or was already used");
    expect(mutatingCalls(h)).toHaveLength(0);
    expect(cleanupLaunches(h)).toHaveLength(0);
  });

  it("deletes exactly the previewed folders: snapshot first, datasets held, plain folders via AAP once; Restore brings all back", async () => {
    const symlinkTarget = JSON.stringify([...(h.lab.truenas.fs.resolve(SEED_OCP.symlinkTarget)!.node!.children!.keys())]);
    const { msg } = await runPreview(h, "/cleanup-ocp");
    const confirmId = button(msg, "Confirm");

    // Someone else (even an admin) cannot confirm; the button stays usable by its owner.
    const foreign = await click(h, confirmId, slackAdmin);
    expect(renderText(foreign.reply!)).toContain("Only tester can use this button");
    // A double click makes one job: both clicks race, one wins.
    const [a, b] = await Promise.all([click(h, confirmId), click(h, confirmId)]);
    const winners = [a, b].filter((o) => o.reply?.jobId);
    expect(winners).toHaveLength(1);
    expect(renderText([a, b].find((o) => !o.reply?.jobId)!.reply!)).toContain("already used");
    const jobId = winners[0]!.reply!.jobId!;
    expect(winners[0]!.reply!.title).toBe(`/cleanup-ocp: cleanup queued as job \`${jobId}\``);
    expect(winners[0]!.update!.title).toBe("/cleanup-ocp: cleanup confirmed by tester");

    const final = await h.notifier.final(jobId);
    expect(final.state).toBe("success");
    const text = renderText(final);
    expect(text).toContain(`Snapshot Media/docker-media@labops-cleanup-${jobId} (recursive) taken before any deletion`);
    expect(text).toContain("Verified gone: 3 folders");

    // The snapshot came first, recursive, named after the job; and it holds the plain folders (taken before AAP ran).
    const calls = h.lab.truenas.calls().map((c) => c.method);
    const create = `${h.labops.clients.truenas!.snapshotNamespace}.create`; // zfs.snapshot before TrueNAS 25.10
    const snapAt = calls.indexOf(create);
    expect(calls.filter((m) => m === create)).toHaveLength(1);
    expect(snapAt).toBeGreaterThan(-1);
    expect(snapAt).toBeLessThan(calls.indexOf("pool.dataset.rename"));
    expect(h.lab.truenas.calls()[snapAt]!.params[0]).toMatchObject({ dataset: "Media/docker-media", name: `labops-cleanup-${jobId}`, recursive: true });
    const snap = h.lab.truenas.fs.snapshots.get(`Media/docker-media@labops-cleanup-${jobId}`)!;
    for (const n of SEED_OCP.plain) expect(snap.tree.children!.has(n)).toBe(true);

    // Plain folders: one launch of the template, limited to the TrueNAS host, with exactly those folders.
    const launches = cleanupLaunches(h);
    expect(launches).toHaveLength(1);
    expect(launches[0]).toMatchObject({ limit: "truenas01", jobType: "run" });
    expect(launches[0]!.extraVars).toMatchObject({ cleanup_share: SHARE, cleanup_folders: [...SEED_OCP.plain], cleanup_action: "delete" });
    for (const n of SEED_OCP.plain) expect(exists(h, `${SHARE}/${n}`)).toBe(false);

    // The dataset folder was renamed into the holding dataset, not destroyed; its snapshots travelled with it.
    expect(h.lab.truenas.count("pool.dataset.delete")).toBe(0);
    const held = [...h.lab.truenas.fs.datasets.keys()].filter((k) => k.startsWith("Media/labops-held/"));
    expect(held).toHaveLength(1);
    expect(held[0]).toMatch(HELD);
    expect(h.lab.truenas.fs.datasets.has("Media/docker-media/ocp-lab-2024-11-30")).toBe(false);
    expect(h.lab.truenas.fs.snapshots.has(`${held[0]}@auto-2025-11-01_00-00`)).toBe(true);
    expect(h.lab.truenas.calls().find((c) => c.method === "pool.dataset.rename")!.params).toEqual(["Media/docker-media/ocp-lab-2024-11-30", { new_name: held[0], force: true }]);

    // Untouched: the symlink and its target, the share, the app folders.
    expect(h.lab.truenas.fs.resolve(`${SHARE}/${SEED_OCP.symlink}`)!.node!.type).toBe("SYMLINK");
    expect(JSON.stringify([...h.lab.truenas.fs.resolve(SEED_OCP.symlinkTarget)!.node!.children!.keys()])).toBe(symlinkTarget);
    expect(h.lab.truenas.fs.datasets.has("Media/docker-media")).toBe(true);
    for (const app of SEED_APPS) expect(exists(h, `${SHARE}/${app}`)).toBe(true);

    // Restore: for admins (not only the asker), refused to a non-admin.
    const restoreId = button(final, "Restore");
    expect(renderText((await click(h, restoreId, slackNobody)).reply!)).toContain("needs the admin role");
    const restoreAck = (await click(h, restoreId, slackAdmin)).reply!;
    expect(restoreAck.jobId).toBeDefined();
    const again = (await click(h, restoreId)).reply!; // a second click (any admin) is the same request: no second job
    expect(again.jobId).toBe(restoreAck.jobId);
    expect(renderText(again)).toContain("no second job");
    const restored = await h.notifier.final(restoreAck.jobId!);
    expect(restored.state).toBe("success");
    expect(renderText(restored)).toContain("Verified: every folder is back in the share");
    for (const n of SEED_OCP.plain) expect(exists(h, `${SHARE}/${n}/auth/kubeconfig`)).toBe(true);
    expect(h.lab.truenas.fs.datasets.has("Media/docker-media/ocp-lab-2024-11-30")).toBe(true);
    expect(exists(h, `${SHARE}/ocp-lab-2024-11-30/install-config.yaml`)).toBe(true);
    expect(h.lab.truenas.fs.snapshots.has("Media/docker-media/ocp-lab-2024-11-30@auto-2025-11-01_00-00")).toBe(true);
    expect([...h.lab.truenas.fs.datasets.keys()].filter((k) => k.startsWith("Media/labops-held/"))).toHaveLength(0);
    const restoreLaunch = cleanupLaunches(h)[1]!;
    expect(restoreLaunch.extraVars).toMatchObject({ cleanup_action: "restore", cleanup_snapshot: `labops-cleanup-${jobId}`, cleanup_folders: [...SEED_OCP.plain] });
    expect(cleanupLaunches(h)).toHaveLength(2);
  });
});
