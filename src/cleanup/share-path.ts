/**
 * Path rules for /cleanup-ocp: pure functions over the share, its dataset and the holding dataset. The only
 * path ever built is `<share>/<safe name>`; every entry TrueNAS reports is checked against exactly that.
 */
import { UserError } from "../errors.ts";
import { folderNameProblem } from "./folder-name.ts";

const SHARE = /^\/mnt(\/[A-Za-z0-9_.:-]+)+$/;
const DATASET = /^[A-Za-z0-9][A-Za-z0-9_.:-]*(\/[A-Za-z0-9_.:-]+)*$/;

/** The entry fields the checks read (`filesystem.listdir` entry or `filesystem.stat` result). */
export interface PathFacts {
  realpath: string;
  type: "DIRECTORY" | "FILE" | "SYMLINK" | "OTHER";
  is_mountpoint: boolean;
}

/** Why a share path is refused: it must be absolute, under /mnt, normalised, without `.`/`..` or a trailing slash. */
export function sharePathProblem(share: string): string | undefined {
  if (!SHARE.test(share)) return "must be an absolute /mnt/... path of letters, digits and _ . : -";
  if (share.split("/").some((s) => s === "." || s === "..")) return "must not contain . or ..";
  if (share.split("/").length < 4) return "must be a dataset below a pool, not /mnt/<pool> itself";
  return undefined;
}

export function datasetNameProblem(id: string): string | undefined {
  if (!DATASET.test(id)) return "not a ZFS dataset name";
  if (id.split("/").some((s) => s === "." || s === "..")) return "must not contain . or ..";
  return undefined;
}

/** Checks the configured share, dataset and holding dataset together; throws a UserError naming the setting. */
export function checkCleanupSettings(s: { share: string; dataset: string; holdingDataset: string }): void {
  const problems = [
    ["truenas.share", sharePathProblem(s.share)],
    ["truenas.dataset", datasetNameProblem(s.dataset)],
    ["truenas.holdingDataset", datasetNameProblem(s.holdingDataset)],
  ].filter(([, p]) => p);
  if (s.share !== `/mnt/${s.dataset}`) problems.push(["truenas.share", `must be the mountpoint of truenas.dataset (/mnt/${s.dataset})`]);
  if (isWithin(s.holdingDataset, s.dataset) || isWithin(s.dataset, s.holdingDataset)) {
    problems.push(["truenas.holdingDataset", "must be outside the share's dataset (and not contain it)"]);
  }
  if (s.holdingDataset.split("/")[0] !== s.dataset.split("/")[0]) problems.push(["truenas.holdingDataset", "must be in the same pool as the share (ZFS renames stay in one pool)"]);
  if (!s.holdingDataset.includes("/")) problems.push(["truenas.holdingDataset", "must be a dataset below a pool, not the pool itself"]);
  if (problems.length) throw new UserError("cleanup_settings", `Refusing to run: ${problems.map(([k, p]) => `${k} ${p}`).join("; ")}.`);
}

/** `a` equals `b` or lies below it (dataset ids or paths). */
export function isWithin(a: string, b: string): boolean {
  return a === b || a.startsWith(`${b}/`);
}

/** `<share>/<name>` for a name that passed the name rules; throws otherwise (never builds any other path). */
export function childPath(share: string, name: string, pattern: RegExp): string {
  const problem = sharePathProblem(share) ?? folderNameProblem(name, pattern);
  if (problem) throw new UserError("cleanup_unsafe", `Refusing \`${JSON.stringify(name)}\`: ${problem}.`);
  return `${share}/${name}`;
}

/**
 * Why an entry at `<share>/<name>` is not a deletable folder: a symlink (never followed), not a directory,
 * or its realpath is anything but exactly `<share>/<name>`. Undefined: it is a real directory right there.
 */
export function entryProblem(share: string, name: string, facts: PathFacts): string | undefined {
  if (facts.type === "SYMLINK") return `a symlink (to ${facts.realpath}); never followed`;
  if (facts.type !== "DIRECTORY") return `not a directory (${facts.type.toLowerCase()})`;
  if (facts.realpath !== `${share}/${name}`) return `resolves to ${facts.realpath}, not ${share}/${name}`;
  return undefined;
}

/** The listing entry is exactly the direct child it claims to be. */
export function isDirectChild(share: string, entry: { name: string; path: string }): boolean {
  return entry.path === `${share}/${entry.name}` && !entry.name.includes("/");
}
