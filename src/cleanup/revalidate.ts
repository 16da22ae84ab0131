import type { TrueNasClient } from "../clients/truenas/truenas-client.ts";
import type { CleanupSettings } from "./cleanup-settings.ts";
import { folderNameProblem } from "./folder-name.ts";
import { checkShare } from "./list-candidates.ts";
import { entryProblem, isDirectChild } from "./share-path.ts";

/** What a folder of the plan is right now. */
export type Recheck = { state: "present" } | { state: "gone" } | { state: "unsafe"; reason: string };

export interface PlannedFolder {
  name: string;
  kind: "folder" | "dataset";
}

/**
 * Re-validates planned folders just before a side effect: the share itself, then for each name the listing
 * entry (no symlink, direct child), `filesystem.stat` (directory, realpath exactly `<share>/<name>`), and that
 * it is still the same kind (plain folder, or the share's own child dataset mounted there).
 */
export async function recheckFolders(truenas: TrueNasClient, s: CleanupSettings, folders: readonly PlannedFolder[], o: { signal?: AbortSignal | undefined } = {}): Promise<Map<string, Recheck>> {
  await checkShare(truenas, s, o);
  const entries = await truenas.listdir(s.share, o);
  const children = await truenas.childDatasets(s.dataset, o);
  const out = new Map<string, Recheck>();
  for (const f of folders) {
    const unsafe = (reason: string) => out.set(f.name, { state: "unsafe", reason });
    const nameProblem = folderNameProblem(f.name, s.pattern);
    if (nameProblem) {
      unsafe(nameProblem);
      continue;
    }
    const path = `${s.share}/${f.name}`;
    const entry = entries.find((e) => e.name === f.name);
    const st = await truenas.stat(path, o);
    const ds = children.find((d) => d.id === `${s.dataset}/${f.name}` || d.mountpoint === path);
    if (!entry && !st) {
      out.set(f.name, ds ? { state: "unsafe", reason: "its dataset still exists but is not mounted" } : { state: "gone" });
      continue;
    }
    if (!entry || !st) {
      unsafe("the listing and stat disagree");
      continue;
    }
    const problem = (isDirectChild(s.share, entry) ? undefined : "not a direct child") ?? entryProblem(s.share, f.name, entry) ?? entryProblem(s.share, f.name, st);
    if (problem) {
      unsafe(problem);
      continue;
    }
    const mounted = entry.is_mountpoint || st.is_mountpoint;
    if (f.kind === "folder" && (mounted || ds)) unsafe("it is now a dataset mount point");
    else if (f.kind === "dataset" && (!mounted || ds?.id !== `${s.dataset}/${f.name}` || ds.mountpoint !== path)) unsafe("it is no longer the share's own child dataset");
    else out.set(f.name, { state: "present" });
  }
  return out;
}
