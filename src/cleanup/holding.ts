/**
 * Names of datasets held (moved out of the share) by /cleanup-ocp: `<holding>/<original>--<UTC stamp>--<job id>`.
 * The name itself records what it was and when, so /cleanup-ocp --purge needs no other state.
 */
import { SAFE_NAME } from "./folder-name.ts";

const HELD = /^([A-Za-z0-9][A-Za-z0-9._-]{0,127})--(\d{8}T\d{6}Z)--([A-Za-z0-9_-]{1,40})$/;

export interface HeldName {
  /** The folder's original name in the share. */
  original: string;
  /** When it was moved out (ms since the epoch, second precision). */
  heldAt: number;
  /** The labops job that moved it. */
  jobId: string;
}

/** `20251120T101500Z` */
export function stampOf(ms: number): string {
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace(/[-:]/g, "").replace(/\.000Z$/, "Z");
}

function parseStamp(s: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  return m ? Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) : Number.NaN;
}

/** The dataset id a folder is moved to. `jobId` must be a plain id (the labops job id). */
export function heldDatasetId(holding: string, original: string, heldAtMs: number, jobId: string): string {
  const id = `${holding}/${original}--${stampOf(heldAtMs)}--${jobId}`;
  if (!parseHeldId(holding, id)) throw new Error(`cannot build a held name for ${original}`);
  return id;
}

/** Parses a direct child of the holding dataset made by labops; undefined for anything else. */
export function parseHeldId(holding: string, id: string): HeldName | undefined {
  if (!id.startsWith(`${holding}/`)) return undefined;
  const leaf = id.slice(holding.length + 1);
  const m = HELD.exec(leaf);
  if (!m || !SAFE_NAME.test(m[1]!) || m[1]!.includes("..")) return undefined;
  const heldAt = parseStamp(m[2]!);
  return Number.isFinite(heldAt) ? { original: m[1]!, heldAt, jobId: m[3]! } : undefined;
}
