import { cleanupSettings } from "../../cleanup/cleanup-settings.ts";
import { formatAge } from "../../cleanup/cleanup-view.ts";
import { parseHeldId } from "../../cleanup/holding.ts";
import { ProgressLines } from "../../cleanup/progress-lines.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";

/**
 * truenas.cleanup-purge: destroys exactly the confirmed held datasets (`pool.dataset.delete`, recursive).
 * Each id is re-checked first: a labops-made direct child of the holding dataset, still past the retention.
 * Deleting is idempotent (an already-gone dataset counts as done), so a retry never fails on its own work.
 */
export default defineProcessor({
  name: "truenas.cleanup-purge",
  needs: ["truenas"],
  title: (a) => `Purge ${a.ids.length} held OCP folder(s)`,
  async run(ctx) {
    const { deps, args } = ctx;
    const s = cleanupSettings(deps.config);
    if (args.holdingDataset !== s.holdingDataset) throw new UserError("cleanup_stale", "truenas.holdingDataset changed since the preview; nothing was purged.");
    const p = new ProgressLines(ctx.progress, `Purge held OCP folders in ${s.holdingDataset}`);
    const destroyed: string[] = [];
    const refused: string[] = [];
    for (const id of args.ids) {
      const held = parseHeldId(s.holdingDataset, id);
      const age = held ? Date.now() - held.heldAt : 0;
      if (!held || age < s.retentionMs) {
        refused.push(id);
        p.set(id, "skipped", `${id}: ${held ? `held only ${formatAge(age)}` : "not a labops-held dataset"}; left alone`);
        continue;
      }
      const ds = await deps.truenas.datasetQuery(id, { signal: ctx.signal });
      if (ds && ds.mountpoint !== null && !ds.mountpoint.startsWith(`/mnt/${s.holdingDataset}/`)) {
        refused.push(id);
        p.set(id, "skipped", `${id}: mounted outside the holding dataset; left alone`);
        continue;
      }
      p.set(id, "running", `Destroying ${id}…`);
      const existed = await deps.truenas.deleteDataset(id, { recursive: true, signal: ctx.signal });
      await deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: `truenas:${id}`, detail: `dataset destroyed ${id}` }).catch(() => {});
      destroyed.push(id);
      p.set(id, "done", `Destroyed ${id}${existed ? "" : " (was already gone)"}`);
    }
    for (const id of destroyed) {
      if (await deps.truenas.datasetQuery(id, { signal: ctx.signal })) throw new UserError("cleanup_purge_failed", `${id} still exists after pool.dataset.delete.`);
    }
    return {
      outcome: "success",
      message: p.final("success", [], { title: `Purged ${destroyed.length} held folder${destroyed.length === 1 ? "" : "s"}${refused.length ? `, ${refused.length} left alone` : ""}` }),
      details: { destroyed, refused },
    };
  },
});
