import { checkPlanSettings, executeArgs, type RestoreArgs } from "../../cleanup/cleanup-plan.ts";
import { cleanupLockKey, cleanupSettings, type CleanupSettings } from "../../cleanup/cleanup-settings.ts";
import { formatAge } from "../../cleanup/cleanup-view.ts";
import { folderNameProblem } from "../../cleanup/folder-name.ts";
import { ProgressLines } from "../../cleanup/progress-lines.ts";
import type { Message } from "../../core/message.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine } from "../../deploy/aap-view.ts";
import { ensureSnapshot, holdDatasets, plainFolderList, type Skip } from "../../cleanup/cleanup-steps.ts";
import type { ProcessorDeps } from "../systems.ts";

type Ctx = ProcessorContext<typeof executeArgs._output, ProcessorDeps<"truenas", "aap">>;

/**
 * truenas.cleanup-execute: deletes exactly the confirmed list. Snapshot first (saved in state), then datasets
 * moved to the holding dataset, plain folders removed by the AAP template, each verified gone with
 * `filesystem.stat`; the result carries a Restore button for admins.
 */
export default defineProcessor({
  name: "truenas.cleanup-execute",
  needs: ["truenas"],
  uses: ["aap"],
  title: (a) => `Clean up ${a.folders.length} OCP folder${a.folders.length === 1 ? "" : "s"}`,
  async run(ctx) {
    const { deps, args } = ctx;
    if (!deps.aap && args.folders.some((f) => f.kind === "folder")) {
      throw new UserError("aap_not_configured", "AAP is not configured, and plain folders can only be removed through its Cleanup OCP Folders template. Nothing was deleted.");
    }
    const s = cleanupSettings(deps.config);
    checkPlanSettings(args, s);
    // A bad name can only come from a tampered or stale plan: refuse the whole plan before any side effect.
    const bad = args.folders.map((f) => [f.name, folderNameProblem(f.name, s.pattern)] as const).filter(([, why]) => why);
    if (bad.length || new Set(args.folders.map((f) => f.name)).size !== args.folders.length) {
      throw new UserError("cleanup_unsafe", `Refusing the whole plan, nothing was touched: ${bad.slice(0, 3).map(([n, why]) => `${JSON.stringify(n).slice(0, 60)} (${why})`).join("; ") || "duplicate names"}.`);
    }
    const p = new ProgressLines(ctx.progress, `Clean up OCP folders in ${s.share}`);
    const snapshot = await ensureSnapshot(ctx, s, p);
    const held = await holdDatasets(ctx, s, p);
    const plain = await deletePlain(ctx, s, p);

    p.set("verify", "running", "Verifying with filesystem.stat…");
    const still: string[] = [];
    for (const name of [...held.moved.map((m) => m.name), ...plain.launched]) {
      if (await deps.truenas.stat(`${s.share}/${name}`, { signal: ctx.signal })) still.push(name);
    }
    for (const m of held.moved) {
      if (!(await deps.truenas.datasetQuery(m.heldId, { signal: ctx.signal }))) still.push(`${m.name} (missing from ${s.holdingDataset})`);
    }
    const removedPlain = plain.launched.filter((n) => !still.includes(n));
    const removed = removedPlain.length + held.moved.length;
    if (still.length) p.set("verify", "failed", `Still present: ${still.join(", ")}`);
    else p.set("verify", "done", `Verified gone: ${removed} folder${removed === 1 ? "" : "s"}`);

    const restore: RestoreArgs = {
      share: s.share, dataset: s.dataset, pattern: s.patternSource, snapshot, originJobId: ctx.jobId,
      plain: removedPlain, held: held.moved,
    };
    const buttons = removed > 0 ? await restoreButton(ctx, s, restore) : undefined;
    const refused = [...held.skipped, ...plain.skipped].filter((x) => x.reason !== "already gone");
    const ok = still.length === 0 && plain.aapOk && refused.length === 0;
    const message: Message = p.final(ok ? "success" : "failure", [
      ...plain.aapLines,
      ...(removed ? [`Restore brings the ${removed} folder${removed === 1 ? "" : "s"} back (admins; available for ${formatAge(s.retentionMs)}).`] : []),
    ], { ...(buttons ? { buttons } : {}), ...(plain.link ? { link: plain.link } : {}), title: `${p.title}: ${ok ? `${removed} removed` : "incomplete"}` });
    return {
      outcome: ok ? "success" : "failure", message,
      details: { snapshot: `${s.dataset}@${snapshot}`, deleted: removedPlain, held: held.moved.map((m) => m.heldId), still },
    };
  },
});

async function deletePlain(ctx: Ctx, s: CleanupSettings, p: ProgressLines): Promise<{ launched: string[]; skipped: Skip[]; aapOk: boolean; aapLines: string[]; link?: { label: string; url: string } | undefined }> {
  if (!ctx.args.folders.some((f) => f.kind === "folder")) return { launched: [], skipped: [], aapOk: true, aapLines: [] };
  const list = await plainFolderList(ctx, s, "aapDelete");
  for (const x of list.skipped) p.set(`plain:${x.name}`, "skipped", `${x.name}: ${x.reason}`);
  if (list.folders.length === 0) return { launched: [], skipped: list.skipped, aapOk: true, aapLines: [] };
  const aap = ctx.deps.aap!;
  const template = ctx.deps.config.aapSettings.templates.cleanup;
  p.set("aap", "running", `Removing ${list.folders.join(", ")} with "${template}" on ${s.host}…`);
  const f = await launchOnce(ctx, {
    aap, key: "aapDelete", template,
    body: {
      extra_vars: { cleanup_action: "delete", cleanup_share: s.share, cleanup_folders: list.folders, cleanup_pattern: s.patternSource, cleanup_hosts: s.host },
      limit: s.host,
    },
    pollMs: ctx.deps.config.aapSettings.pollInterval,
    timeoutMs: ctx.deps.config.aapSettings.jobTimeout,
    onProgress: (job, pr) => p.set("aap", "running", `Removing ${list.folders.join(", ")}: ${aapStatusLine(job, pr)}`),
  });
  const ok = f.job.status === "successful";
  p.set("aap", ok ? "done" : "failed", `Removed ${list.folders.join(", ")} with "${template}": AAP job ${f.job.id} ${f.job.status}`);
  return { launched: list.folders, skipped: list.skipped, aapOk: ok, aapLines: ok ? [] : aapResultLines(f), link: { label: `AAP job ${f.job.id}`, url: aap.jobUrl(f.job.id) } };
}

/** Restore: for any admin (not only the asker), one job, until the retention period ends. */
async function restoreButton(ctx: Ctx, s: CleanupSettings, plan: RestoreArgs): Promise<Message["buttons"]> {
  let id = ctx.state.restoreButton as string | undefined;
  if (!id) {
    id = await ctx.deps.actions.create({
      kind: "cleanup-restore", payload: { plan, lockKey: cleanupLockKey(s.dataset), nonce: `${ctx.jobId}:restore` },
      // Not single-use: dispatch claims a single-use action before checking the role, so a non-admin's click
      // would burn it. The nonce makes every click of it the same request: one restore job.
      requires: "admin", singleUse: false, ttlMs: s.retentionMs,
    });
    await ctx.save({ restoreButton: id });
  }
  return [{ id, label: "Restore", style: "primary" }];
}
