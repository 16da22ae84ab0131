import type { TrueNasClient } from "../clients/truenas/truenas-client.ts";
import type { CleanupSettings } from "./cleanup-settings.ts";
import { parseHeldId, type HeldName } from "./holding.ts";

export interface HeldEntry extends HeldName {
  id: string;
  /** Bytes used (with its snapshots). */
  used: number;
}

/** Datasets labops moved into the holding dataset, split by the retention period. Read-only. */
export async function listHeld(truenas: TrueNasClient, s: CleanupSettings, o: { signal?: AbortSignal | undefined; now?: number | undefined } = {}): Promise<{ expired: HeldEntry[]; kept: HeldEntry[]; foreign: string[] }> {
  const now = o.now ?? Date.now();
  const out = { expired: [] as HeldEntry[], kept: [] as HeldEntry[], foreign: [] as string[] };
  if (!(await truenas.datasetQuery(s.holdingDataset, o))) return out;
  for (const d of await truenas.childDatasets(s.holdingDataset, o)) {
    const held = parseHeldId(s.holdingDataset, d.id);
    if (!held) {
      out.foreign.push(d.id);
      continue;
    }
    const used = (d.used as { parsed?: unknown } | undefined)?.parsed;
    const entry = { ...held, id: d.id, used: typeof used === "number" ? used : 0 };
    (now - held.heldAt >= s.retentionMs ? out.expired : out.kept).push(entry);
  }
  return out;
}
