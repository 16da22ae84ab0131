import { cleanupLockKey, type CleanupSettings } from "../../cleanup/cleanup-settings.ts";
import { formatAge, formatBytes, showName } from "../../cleanup/cleanup-view.ts";
import type { PurgeArgs } from "../../cleanup/cleanup-plan.ts";
import { listHeld } from "../../cleanup/held-list.ts";
import type { Message } from "../../core/message.ts";
import type { ProcessorContext } from "../processor.ts";
import { confirmButtons } from "./truenas-confirm.ts";
import type { ProcessorDeps } from "../systems.ts";

/** The preview of /cleanup-ocp --purge: held datasets past the retention period, with Confirm/Cancel. */
export async function purgePreview(ctx: ProcessorContext<unknown, ProcessorDeps<"truenas">>, s: CleanupSettings): Promise<Message> {
  ctx.progress.update({ title: "Purge held OCP folders: preview", state: "running", lines: [`Listing ${s.holdingDataset} on TrueNAS…`] });
  const now = Date.now();
  const held = await listHeld(ctx.deps.truenas, s, { signal: ctx.signal, now });
  const keptLines = held.kept.map((h) => `Kept ${showName(h.original)} (${h.id}): held ${formatAge(now - h.heldAt)}, retention ${formatAge(s.retentionMs)}.`);
  const foreign = held.foreign.map((id) => `Not made by labops, never touched: \`${id}\`.`);
  if (held.expired.length === 0) {
    return { title: `Nothing to purge in ${s.holdingDataset}`, state: "success", lines: ["No held folder is past the retention period.", ...keptLines, ...foreign] };
  }
  const plan: PurgeArgs = { holdingDataset: s.holdingDataset, ids: held.expired.map((h) => h.id) };
  const ttlMs = ctx.deps.config.limits.confirmTtl;
  const n = held.expired.length;
  const confirm = await confirmButtons(ctx, "cleanup-purge-confirm", { plan, lockKey: cleanupLockKey(s.dataset) }, ttlMs, formatAge(ttlMs));
  return {
    title: `Destroy ${n} held OCP folder${n === 1 ? "" : "s"} for good?`,
    state: "warning",
    lines: [
      ...held.expired.map((h) => `• ${showName(h.original)} — \`${h.id}\`, ${formatBytes(h.used)}, held ${formatAge(now - h.heldAt)} (by job \`${h.jobId}\`)`),
      ...keptLines, ...foreign,
      "On Confirm these datasets and their snapshots are destroyed (pool.dataset.delete, recursive). This cannot be undone.",
      confirm.who,
    ],
    buttons: confirm.buttons,
  };
}
