/**
 * The side effects of a cleanup, each exactly once: an intent is saved in `ctx.state` before every
 * non-idempotent call and the outcome after it, so a retry (or a worker taking over after a crash) checks
 * what already happened and re-attaches instead of repeating. Paths are re-validated before every call.
 */
import { TrueNasCallError, type TrueNasClient } from "../clients/truenas/truenas-client.ts";
import type { CleanupSettings } from "./cleanup-settings.ts";
import type { ExecuteArgs } from "./cleanup-plan.ts";
import { heldDatasetId } from "./holding.ts";
import { checkShare } from "./list-candidates.ts";
import type { ProgressLines } from "./progress-lines.ts";
import { recheckFolders } from "./revalidate.ts";
import { isWithin } from "./share-path.ts";
import { UserError } from "../errors.ts";
import type { AuditLog } from "../core/audit-log.ts";
import type { JobRun } from "../core/job-run.ts";

type Ctx = JobRun<ExecuteArgs, { truenas: TrueNasClient; audit: AuditLog }>;
export interface Skip { name: string; reason: string }
interface SnapshotState { name: string; intentAt: number; done?: boolean | undefined }
interface RenameState { from: string; to: string; done?: boolean | undefined }

export const snapshotNameFor = (jobId: string) => `labops-cleanup-${jobId.replace(/[^A-Za-z0-9_.:-]/g, "-")}`;

/** Step 1: a recursive snapshot of the share's dataset, recorded in state before anything is deleted. */
export async function ensureSnapshot(ctx: Ctx, s: CleanupSettings, p: ProgressLines): Promise<string> {
  const truenas = ctx.deps.truenas;
  const saved = ctx.state.snapshot as SnapshotState | undefined;
  const name = saved?.name ?? snapshotNameFor(ctx.jobId);
  if (!saved?.done) {
    p.set("snapshot", "running", `Snapshot ${s.dataset}@${name} (recursive)…`);
    await checkShare(truenas, s, { signal: ctx.signal });
    if (!saved) await ctx.save({ snapshot: { name, intentAt: Date.now() } satisfies SnapshotState });
    const exists = saved && (await hasSnapshot(truenas, s.dataset, name, ctx.signal));
    if (!exists) {
      try {
        await truenas.createSnapshot(s.dataset, name, { recursive: true, signal: ctx.signal });
      } catch (err) {
        // The name carries this job's id: an EEXIST can only be our own earlier attempt.
        if (!(err instanceof TrueNasCallError && err.errname === "EEXIST")) throw err;
      }
    }
    await ctx.save({ snapshot: { name, intentAt: saved?.intentAt ?? Date.now(), done: true } satisfies SnapshotState });
    await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: `truenas:${s.dataset}`, detail: `snapshot ${s.dataset}@${name}` }).catch(() => {});
  }
  if (!(await hasSnapshot(truenas, s.dataset, name, ctx.signal))) {
    throw new UserError("cleanup_no_snapshot", `The snapshot ${s.dataset}@${name} is missing, so nothing is deleted.`);
  }
  p.set("snapshot", "done", `Snapshot ${s.dataset}@${name} (recursive) taken before any deletion`);
  return name;
}

async function hasSnapshot(truenas: TrueNasClient, dataset: string, name: string, signal: AbortSignal): Promise<boolean> {
  return (await truenas.listSnapshots(dataset, { signal })).some((x) => x.snapshot_name === name || x.id === `${dataset}@${name}`);
}

/** The holding dataset exists, outside the share (created when absent). */
export async function ensureHolding(truenas: TrueNasClient, s: CleanupSettings, signal: AbortSignal): Promise<void> {
  let ds = await truenas.datasetQuery(s.holdingDataset, { signal });
  if (!ds) {
    try {
      ds = await truenas.createDataset(s.holdingDataset, { signal });
    } catch (err) {
      if (!(err instanceof TrueNasCallError && /EEXIST|already exists/.test(err.reason))) throw err;
      ds = await truenas.datasetQuery(s.holdingDataset, { signal });
    }
  }
  if (!ds || (ds.mountpoint && isWithin(ds.mountpoint, s.share))) {
    throw new UserError("cleanup_holding", `The holding dataset ${s.holdingDataset} is missing or mounted inside the share; nothing was moved.`);
  }
}

/** Step 2a: each folder that is its own dataset is renamed into the holding dataset (never destroyed). */
export async function holdDatasets(ctx: Ctx, s: CleanupSettings, p: ProgressLines): Promise<{ moved: { name: string; heldId: string }[]; skipped: Skip[] }> {
  const truenas = ctx.deps.truenas;
  const out = { moved: [] as { name: string; heldId: string }[], skipped: [] as Skip[] };
  const folders = ctx.args.folders.filter((f) => f.kind === "dataset");
  if (folders.length) await ensureHolding(truenas, s, ctx.signal);
  for (const f of folders) {
    const renames = (ctx.state.renames ?? {}) as Record<string, RenameState>;
    const r = renames[f.name];
    const from = `${s.dataset}/${f.name}`;
    if (r && (r.done || (await truenas.datasetQuery(r.to, { signal: ctx.signal })))) {
      if (!r.done) await ctx.save({ renames: { ...renames, [f.name]: { ...r, done: true } } });
      out.moved.push({ name: f.name, heldId: r.to });
      p.set(`hold:${f.name}`, "done", `Moved dataset ${from} → ${r.to}`);
      continue;
    }
    const check = (await recheckFolders(truenas, s, [f], { signal: ctx.signal })).get(f.name);
    if (check?.state !== "present") {
      const reason = check?.state === "unsafe" ? check.reason : "already gone";
      out.skipped.push({ name: f.name, reason });
      p.set(`hold:${f.name}`, "skipped", `${f.name}: ${reason}`);
      continue;
    }
    const to = r?.to ?? heldDatasetId(s.holdingDataset, f.name, Date.now(), ctx.jobId);
    p.set(`hold:${f.name}`, "running", `Moving dataset ${from} → ${to}…`);
    await ctx.save({ renames: { ...renames, [f.name]: { from, to } } });
    await truenas.renameDataset(from, to, { force: true, signal: ctx.signal });
    await ctx.save({ renames: { ...(ctx.state.renames as Record<string, RenameState>), [f.name]: { from, to, done: true } } });
    await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: `truenas:${from}`, detail: `dataset renamed ${from} -> ${to}` }).catch(() => {});
    out.moved.push({ name: f.name, heldId: to });
    p.set(`hold:${f.name}`, "done", `Moved dataset ${from} → ${to}`);
  }
  return out;
}

/**
 * Step 2b: the exact list of plain folders for the AAP template, fixed in state before the launch and
 * re-validated just before it (a folder that changed is dropped, never replaced by a fresh listing).
 */
export async function plainFolderList(ctx: Ctx, s: CleanupSettings, launchKey: string): Promise<{ folders: string[]; skipped: Skip[] }> {
  type Saved = { folders: string[]; skipped: Skip[] };
  const saved = ctx.state.plain as Saved | undefined;
  const intent = ctx.state[launchKey] as { jobId?: number } | undefined;
  if (saved && intent?.jobId !== undefined) return saved;
  const names = saved?.folders ?? ctx.args.folders.filter((f) => f.kind === "folder").map((f) => f.name);
  const checks = await recheckFolders(ctx.deps.truenas, s, names.map((name) => ({ name, kind: "folder" as const })), { signal: ctx.signal });
  if (saved && intent) {
    // A launch may have happened before a crash: keep its exact list (gone is expected), refuse if one turned unsafe.
    const bad = names.filter((n) => checks.get(n)?.state === "unsafe");
    if (bad.length) throw new UserError("cleanup_unsafe", `Refusing to relaunch the cleanup: ${bad.join(", ")} changed into something unsafe.`);
    return saved;
  }
  const next: Saved = { folders: [], skipped: [...(saved?.skipped ?? [])] };
  for (const name of names) {
    const c = checks.get(name);
    if (c?.state === "present") next.folders.push(name);
    else next.skipped.push({ name, reason: c?.state === "unsafe" ? c.reason : "already gone" });
  }
  await ctx.save({ plain: next });
  return next;
}
