import type { DirEntry, TrueNasClient } from "../clients/truenas/truenas-client.ts";
import { UserError } from "../errors.ts";
import type { CleanupSettings } from "./cleanup-settings.ts";
import { formatAge } from "./cleanup-view.ts";
import { folderNameProblem } from "./folder-name.ts";
import { entryProblem, isDirectChild } from "./share-path.ts";

/** An OCP folder that may be removed: a plain folder (via AAP) or its own child dataset (moved to holding). */
export interface Candidate {
  name: string;
  kind: "folder" | "dataset";
  /** Seconds since the epoch. */
  mtime: number;
  /** Bytes (dataset: `used`; folder: files summed by a bounded walk). */
  size: number;
  /** The walk stopped at its budget: the size is a lower bound. */
  sizePartial?: boolean | undefined;
}

export interface Listing {
  candidates: Candidate[];
  /** Entries that look like OCP folders (or are unsafe) but will not be touched, with why. */
  skipped: { name: string; reason: string }[];
  /** Other folders of the share (apps): never touched, only counted. */
  others: number;
}

export const MAX_FOLDERS = 50;
type Signal = { signal?: AbortSignal | undefined };

/** The share must be a real directory at its own canonical path, the mountpoint of the configured dataset. */
export async function checkShare(truenas: TrueNasClient, s: CleanupSettings, o: Signal = {}): Promise<void> {
  const st = await truenas.stat(s.share, o);
  const ds = await truenas.datasetQuery(s.dataset, o);
  if (!st || st.type !== "DIRECTORY" || st.realpath !== s.share || !ds || ds.mountpoint !== s.share) {
    throw new UserError("cleanup_share", `Refusing: ${s.share} is not a directory at its own path mounted from dataset ${s.dataset}. Nothing was touched.`);
  }
}

/** Lists the deletable OCP folders directly under the share. Read-only; never descends through a symlink. */
export async function listCandidates(truenas: TrueNasClient, s: CleanupSettings, o: Signal & { olderThanMs?: number | undefined; now?: number | undefined } = {}): Promise<Listing> {
  await checkShare(truenas, s, o);
  const now = o.now ?? Date.now();
  const entries = await truenas.listdir(s.share, o);
  const children = await truenas.childDatasets(s.dataset, o);
  const out: Listing = { candidates: [], skipped: [], others: 0 };
  for (const e of entries) {
    const problem = folderNameProblem(e.name, s.pattern);
    if (problem?.startsWith("does not match") && !/^ocp/i.test(e.name) && isDirectChild(s.share, e)) {
      out.others++;
      continue;
    }
    const reason = problem ?? (await entryReason(truenas, s, e, children, o));
    if (typeof reason === "string") {
      out.skipped.push({ name: e.name, reason });
      continue;
    }
    if (o.olderThanMs !== undefined && reason.mtime * 1000 > now - o.olderThanMs) {
      out.skipped.push({ name: e.name, reason: `only ${formatAge(now - reason.mtime * 1000)} old` });
      continue;
    }
    out.candidates.push(reason);
  }
  out.candidates.sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name));
  for (const c of out.candidates.splice(MAX_FOLDERS)) out.skipped.push({ name: c.name, reason: `over the limit of ${MAX_FOLDERS} per run` });
  return out;
}

/** A candidate, or why the entry is not one. Checks the listing entry, then `filesystem.stat`, then the dataset. */
async function entryReason(truenas: TrueNasClient, s: CleanupSettings, e: DirEntry, children: { id: string; mountpoint: string | null; used?: unknown }[], o: Signal): Promise<Candidate | string> {
  if (!isDirectChild(s.share, e)) return `not a direct child of ${s.share} (${e.path})`;
  const fromList = entryProblem(s.share, e.name, e);
  if (fromList) return fromList;
  const st = await truenas.stat(`${s.share}/${e.name}`, o);
  if (!st) return "vanished while listing";
  const fromStat = entryProblem(s.share, e.name, st);
  if (fromStat) return fromStat;
  const ds = children.find((d) => d.mountpoint === `${s.share}/${e.name}`);
  const mounted = e.is_mountpoint || st.is_mountpoint;
  if (mounted || ds) {
    if (!mounted || !ds || ds.id !== `${s.dataset}/${e.name}`) return "a mount point that is not the share's own child dataset";
    return { name: e.name, kind: "dataset", mtime: st.mtime, size: usedBytes(ds.used) };
  }
  const size = await folderSize(truenas, `${s.share}/${e.name}`, o);
  return { name: e.name, kind: "folder", mtime: st.mtime, size: size.bytes, ...(size.partial ? { sizePartial: true } : {}) };
}

function usedBytes(used: unknown): number {
  const parsed = (used as { parsed?: unknown } | undefined)?.parsed;
  return typeof parsed === "number" ? parsed : 0;
}

/** Sums file sizes under `root`, at most `budget` directories; never enters a symlink or another mount. */
export async function folderSize(truenas: TrueNasClient, root: string, o: Signal, budget = 100): Promise<{ bytes: number; partial: boolean }> {
  let bytes = 0;
  const queue = [root];
  while (queue.length && budget-- > 0) {
    const dir = queue.shift()!;
    for (const e of await truenas.listdir(dir, o)) {
      if (e.type === "FILE") bytes += e.size;
      else if (e.type === "DIRECTORY" && !e.is_mountpoint && e.realpath === e.path && e.path === `${dir}/${e.name}`) queue.push(e.path);
    }
  }
  return { bytes, partial: queue.length > 0 };
}
