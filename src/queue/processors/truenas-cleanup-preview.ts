import { cleanupLockKey, cleanupSettings, type CleanupSettings } from "../../cleanup/cleanup-settings.ts";
import { formatAge, formatBytes, parseAge, showName } from "../../cleanup/cleanup-view.ts";
import type { ExecuteArgs } from "../../cleanup/cleanup-plan.ts";
import { listCandidates, type Candidate, type Listing } from "../../cleanup/list-candidates.ts";
import type { Message } from "../../core/message.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { confirmButtons } from "./truenas-confirm.ts";
import { purgePreview } from "./truenas-purge-preview.ts";
import type { JobArgs } from "../../jobs/job-table.ts";
import type { ProcessorDeps } from "../systems.ts";
type CleanupArgs = JobArgs<"truenas.cleanup-preview">;


/** truenas.cleanup-preview: lists OCP folders (or, with purge, expired held ones) and asks for a confirmation. */
export default defineProcessor({
  name: "truenas.cleanup-preview",
  needs: ["truenas"],
  title: (a) => (a.purge ? "Purge held OCP folders: preview" : "Clean up OCP folders: preview"),
  async run(ctx) {
    const { deps } = ctx;
    const s = cleanupSettings(deps.config);
    // A retry (or a crash after the buttons were made) shows the same buttons again, never a second set.
    const saved = ctx.state.preview as Message | undefined;
    if (saved) return { outcome: "success", message: saved };
    const message = ctx.args.purge ? await purgePreview(ctx, s) : await cleanupPreview(ctx, s);
    await ctx.save({ preview: message });
    return { outcome: "success", message, details: { buttons: message.buttons?.length ?? 0 } };
  },
});

async function cleanupPreview(ctx: ProcessorContext<CleanupArgs, ProcessorDeps<"truenas">>, s: CleanupSettings): Promise<Message> {
  const olderThanMs = ctx.args.olderThan ? parseAge(ctx.args.olderThan) : undefined;
  ctx.progress.update({ title: "Clean up OCP folders: preview", state: "running", lines: [`Listing ${s.share} on TrueNAS…`] });
  const listing = await listCandidates(ctx.deps.truenas, s, { olderThanMs, signal: ctx.signal });
  const info = listingLines(listing, s);
  if (listing.candidates.length === 0) {
    return { title: `Nothing to clean up under ${s.share}`, state: "success", lines: ["No OCP folder matches.", ...info] };
  }
  const plan: ExecuteArgs = {
    share: s.share, dataset: s.dataset, pattern: s.patternSource, previewJobId: ctx.jobId,
    folders: listing.candidates.map((c) => ({ name: c.name, kind: c.kind })),
  };
  const ttlMs = ctx.deps.config.limits.confirmTtl;
  const confirm = await confirmButtons(ctx, "cleanup-confirm", { plan, lockKey: cleanupLockKey(s.dataset) }, ttlMs, formatAge(ttlMs));
  const n = listing.candidates.length;
  return {
    title: `Delete ${n} OCP folder${n === 1 ? "" : "s"} from ${s.share}?`,
    state: "warning",
    lines: [
      ...listing.candidates.map((c) => candidateLine(c)),
      ...info,
      `On Confirm: first a recursive snapshot of ${s.dataset} (\`labops-cleanup-<job id>\`); then plain folders are removed by the AAP template "${ctx.deps.config.aapSettings.templates.cleanup}" on ${s.host}, and folders that are datasets are moved to ${s.holdingDataset} (kept ${formatAge(s.retentionMs)}). A Restore button follows.`,
      confirm.who,
    ],
    buttons: confirm.buttons,
  };
}

function candidateLine(c: Candidate): string {
  const date = new Date(c.mtime * 1000).toISOString().slice(0, 10);
  const kind = c.kind === "dataset" ? "dataset (moved to holding, not destroyed)" : "folder";
  return `• ${showName(c.name)} — ${kind}, ${c.sizePartial ? "≥ " : ""}${formatBytes(c.size)}, modified ${date} (${formatAge(Date.now() - c.mtime * 1000)} ago)`;
}

function listingLines(l: Listing, s: CleanupSettings): string[] {
  const lines = l.skipped.map((x) => `Skipped ${showName(x.name)}: ${x.reason}.`);
  if (l.others) lines.push(`${l.others} other folder${l.others === 1 ? "" : "s"} of ${s.share} do not match ${s.patternSource} and are never touched.`);
  return lines;
}
