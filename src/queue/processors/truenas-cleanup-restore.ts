import { checkPlanSettings, restoreArgs } from "../../cleanup/cleanup-plan.ts";
import { cleanupSettings, type CleanupSettings } from "../../cleanup/cleanup-settings.ts";
import { folderNameProblem } from "../../cleanup/folder-name.ts";
import { parseHeldId } from "../../cleanup/holding.ts";
import { checkShare } from "../../cleanup/list-candidates.ts";
import { ProgressLines } from "../../cleanup/progress-lines.ts";
import { entryProblem } from "../../cleanup/share-path.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine } from "../../deploy/aap-view.ts";
import type { ProcessorDeps } from "../systems.ts";

type Ctx = ProcessorContext<typeof restoreArgs._output, ProcessorDeps<"truenas", "aap">>;
interface RenameState { to: string; done?: boolean | undefined }

/**
 * truenas.cleanup-restore: brings back what one cleanup removed. Datasets are renamed back from the holding
 * dataset; plain folders are copied back from the cleanup's snapshot by the same AAP template (restore action).
 * Nothing is overwritten: a name already present in the share is left alone.
 */
export default defineProcessor({
  name: "truenas.cleanup-restore",
  needs: ["truenas"],
  uses: ["aap"],
  title: (a) => `Restore ${a.plain.length + a.held.length} OCP folder(s)`,
  async run(ctx) {
    const { deps, args } = ctx;
    if (!deps.aap && args.plain.length) throw new UserError("aap_not_configured", "AAP is not configured, and plain folders come back through its Cleanup OCP Folders template.");
    const s = cleanupSettings(deps.config);
    checkPlanSettings(args, s);
    for (const n of [...args.plain, ...args.held.map((h) => h.name)]) {
      const bad = folderNameProblem(n, s.pattern);
      if (bad) throw new UserError("cleanup_unsafe", `Refusing to restore ${JSON.stringify(n)}: ${bad}.`);
    }
    const p = new ProgressLines(ctx.progress, `Restore OCP folders in ${s.share}`);
    await checkShare(deps.truenas, s, { signal: ctx.signal });
    for (const h of args.held) await renameBack(ctx, s, p, h);
    const aap = await restorePlain(ctx, s, p);

    const missing: string[] = [];
    for (const name of [...args.held.map((h) => h.name), ...aap.launched]) {
      const st = await deps.truenas.stat(`${s.share}/${name}`, { signal: ctx.signal });
      if (!st || entryProblem(s.share, name, st)) missing.push(name);
    }
    if (missing.length) p.set("verify", "failed", `Not back: ${missing.join(", ")}`);
    else p.set("verify", "done", "Verified: every folder is back in the share");
    const ok = missing.length === 0 && aap.ok;
    return {
      outcome: ok ? "success" : "failure",
      message: p.final(ok ? "success" : "failure", aap.lines, { title: `${p.title}: ${ok ? "restored" : "incomplete"}`, ...(aap.link ? { link: aap.link } : {}) }),
      details: { snapshot: args.snapshot, missing },
    };
  },
});

async function renameBack(ctx: Ctx, s: CleanupSettings, p: ProgressLines, h: { name: string; heldId: string }): Promise<void> {
  const truenas = ctx.deps.truenas;
  const to = `${s.dataset}/${h.name}`;
  const parsed = parseHeldId(s.holdingDataset, h.heldId);
  if (parsed?.original !== h.name) throw new UserError("cleanup_unsafe", `Refusing to restore from ${h.heldId}: not a held copy of ${h.name}.`);
  const renames = (ctx.state.restoreRenames ?? {}) as Record<string, RenameState>;
  const r = renames[h.name];
  const there = await truenas.datasetQuery(to, { signal: ctx.signal });
  const held = await truenas.datasetQuery(h.heldId, { signal: ctx.signal });
  if (r?.done || (r && there && !held)) {
    if (!r.done) await ctx.save({ restoreRenames: { ...renames, [h.name]: { to, done: true } } });
    p.set(`held:${h.name}`, "done", `Renamed ${h.heldId} back to ${to}`);
    return;
  }
  // Re-validate: the held dataset exists and nothing (no folder, no symlink) sits where it goes back.
  const inTheWay = await truenas.stat(`${s.share}/${h.name}`, { signal: ctx.signal });
  if (!held || there || inTheWay) {
    p.set(`held:${h.name}`, "skipped", `${h.name}: ${!held ? `${h.heldId} no longer exists` : "something is already at that name; left alone"}`);
    return;
  }
  await ctx.save({ restoreRenames: { ...renames, [h.name]: { to } } });
  await truenas.renameDataset(h.heldId, to, { force: true, signal: ctx.signal });
  await ctx.save({ restoreRenames: { ...(ctx.state.restoreRenames as Record<string, RenameState>), [h.name]: { to, done: true } } });
  p.set(`held:${h.name}`, "done", `Renamed ${h.heldId} back to ${to}`);
}

async function restorePlain(ctx: Ctx, s: CleanupSettings, p: ProgressLines): Promise<{ launched: string[]; ok: boolean; lines: string[]; link?: { label: string; url: string } | undefined }> {
  const truenas = ctx.deps.truenas;
  const { args } = ctx;
  if (!args.plain.length) return { launched: [], ok: true, lines: [] };
  let list = ctx.state.restoreList as string[] | undefined;
  if (!ctx.state.aapRestore) {
    const snaps = await truenas.listSnapshots(s.dataset, { signal: ctx.signal });
    if (!snaps.some((x) => x.snapshot_name === args.snapshot)) {
      throw new UserError("cleanup_no_snapshot", `The snapshot ${s.dataset}@${args.snapshot} no longer exists, so the plain folders cannot come back.`);
    }
    list = [];
    for (const name of args.plain) {
      const st = await truenas.stat(`${s.share}/${name}`, { signal: ctx.signal });
      if (!st) list.push(name);
      else p.set(`plain:${name}`, "skipped", `${name}: ${entryProblem(s.share, name, st) ?? "already back"}; left alone`);
    }
    await ctx.save({ restoreList: list });
  }
  const folders = list ?? [];
  if (!folders.length) return { launched: [], ok: true, lines: [] };
  const aap = ctx.deps.aap!;
  const template = ctx.deps.config.aapSettings.templates.cleanup;
  p.set("aap", "running", `Copying ${folders.join(", ")} back from @${args.snapshot} with "${template}"…`);
  const f = await launchOnce(ctx, {
    aap, key: "aapRestore", template,
    body: {
      extra_vars: { cleanup_action: "restore", cleanup_snapshot: args.snapshot, cleanup_share: s.share, cleanup_folders: folders, cleanup_pattern: s.patternSource, cleanup_hosts: s.host },
      limit: s.host,
    },
    pollMs: ctx.deps.config.aapSettings.pollInterval,
    timeoutMs: ctx.deps.config.aapSettings.jobTimeout,
    onProgress: (job, pr) => p.set("aap", "running", `Copying ${folders.join(", ")} back: ${aapStatusLine(job, pr)}`),
  });
  const ok = f.job.status === "successful";
  p.set("aap", ok ? "done" : "failed", `Copied ${folders.join(", ")} back from @${args.snapshot}: AAP job ${f.job.id} ${f.job.status}`);
  return { launched: folders, ok, lines: ok ? [] : aapResultLines(f), link: { label: `AAP job ${f.job.id}`, url: aap.jobUrl(f.job.id) } };
}
