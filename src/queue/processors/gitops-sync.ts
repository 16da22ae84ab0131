import { z } from "zod";
import type { Button } from "../../core/message.ts";
import { diffAppList, type AppListDiff } from "../../gitops/app-list-diff.ts";
import { deployButtonRecord } from "../../gitops/deploy-button.ts";
import type { GitopsRuntime } from "../../gitops/gitops-runtime.ts";
import { GITOPS_SYNC_JOB, watcherActor } from "../../gitops/gitops-watcher.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { runAapUpdate } from "../../sync/aap-update.ts";
import { syncNautobotRepository } from "../../sync/nautobot-sync.ts";
import { Steps } from "../../core/steps.ts";
import { gitopsSyncArgs } from "../../jobs/gitops-args.ts";


const STEP = { nautobot: "Nautobot Git sync", project: "AAP project update", inventory: "AAP inventory source update" } as const;
const DAY = 86_400_000;

/**
 * gitops.sync: what the watcher queues for a new head. Lists the commits, runs the sync chain (Nautobot Git sync,
 * then AAP project update and inventory source update; each remote id saved, so a retry re-attaches), reports
 * what Nautobot logged, and names the apps the range added, changed or removed, with Deploy buttons.
 */
export default defineProcessor({
  name: GITOPS_SYNC_JOB,
  needs: ["gitops"],
  uses: ["aap", "nautobot"],
  title: (a) => `GitOps: sync of ${a.to.slice(0, 8)}`,
  async run(ctx) {
    const g = ctx.deps.gitops;
    const { from, to, forced } = ctx.args;
    const head = `GitOps: ${g.settings.branch} ${from.slice(0, 8)} → ${to.slice(0, 8)}`;
    await g.mirror.fetch(ctx.signal);
    const commits = await g.mirror.log(forced ? undefined : from, to, 20);
    const intro = [
      ...(forced ? [`⚠️ ${g.settings.branch} was force-pushed: the new head does not contain \`${from.slice(0, 8)}\`.`] : []),
      `${commits.length} commit(s)${forced ? " on the new head" : ""}:`,
      ...commits.slice(0, 10).map((c) => `  \`${c.short}\` ${c.author}: ${c.subject.slice(0, 120)}`),
      ...(commits.length > 10 ? [`  …and ${commits.length - 10} more`] : []),
    ];
    const diff = diffAppList(await g.mirror.show(from, g.settings.appListPath), await g.mirror.show(to, g.settings.appListPath), ctx.deps.config.nautobotSettings.appListContext);
    const steps = Steps.of([STEP.nautobot, STEP.project, STEP.inventory]);
    const show = () => ctx.progress.update(steps.message(head, "running", { lines: intro }));
    show();
    const { worst, notes } = await syncChain(ctx, steps, show);
    const appLines = describeDiff(diff);
    const deployable = [...diff.added, ...diff.changed.map((c) => c.app)];
    const buttons: Button[] = [];
    let autoLines: string[] = [];
    if (worst !== "failure" && deployable.length) {
      if (g.settings.autoDeploy && !forced) autoLines = await autoDeploy(ctx, g, deployable);
      else for (const app of deployable.slice(0, 10)) buttons.push({ id: await ctx.deps.actions.create(deployButtonRecord(app, to, 7 * DAY)), label: `Deploy ${app}`, style: "primary" });
    }
    const verdict = worst === "success" ? "synced" : worst === "warning" ? "synced, with errors" : "sync failed";
    await g.state.setResult(ctx.jobId, worst, `${verdict} ${to.slice(0, 8)}${notes.length ? `: ${notes[0]}` : ""}`);
    if (worst === "failure") await g.alerts.syncFailed(to, ctx.jobId, notes[0] ?? "a step of the sync chain failed").catch(() => {});
    return {
      outcome: worst === "failure" ? "failure" : "success",
      message: {
        ...steps.message(`${head}: ${verdict}`, worst === "failure" ? "failure" : "success", { lines: [...intro, ...notes, ...appLines, ...autoLines] }),
        ...(buttons.length ? { buttons } : {}),
      },
      details: { from, to, forced, commits: commits.length, added: diff.added, changed: diff.changed.map((c) => c.app), removed: diff.removed },
    };
  },
});

type Ctx = ProcessorContext<z.output<typeof gitopsSyncArgs>>;

/** Nautobot first (AAP's inventory comes from it), then the AAP project and inventory source. */
async function syncChain(ctx: Ctx, steps: Steps, show: () => void): Promise<{ worst: "success" | "warning" | "failure"; notes: string[] }> {
  const notes: string[] = [];
  let worst: "success" | "warning" | "failure" = "success";
  steps.set(STEP.nautobot, "running");
  show();
  const r = await syncNautobotRepository(ctx, (status) => (steps.set(STEP.nautobot, "running", status), show()));
  const status = r.result.status.value;
  if (status !== "SUCCESS") {
    steps.set(STEP.nautobot, "failed", `sync job ${status}`);
    notes.push(...r.errors.slice(0, 3).map((e) => `Nautobot: ${e.message}`));
    if (!notes.length) notes.push(`Nautobot's sync job ended ${status}`);
    steps.set(STEP.project, "skipped").set(STEP.inventory, "skipped");
    return { worst: "failure", notes };
  }
  if (r.errors.length) {
    steps.set(STEP.nautobot, "warning", `SUCCESS, but ${r.errors.length} error(s) in the log`);
    notes.push(...r.errors.slice(0, 5).map((e) => `Nautobot ${e.grouping ? `(${e.grouping}) ` : ""}${e.log_object ? `${e.log_object}: ` : ""}${e.message}`));
    worst = "warning";
  } else steps.set(STEP.nautobot, "done", `repository ${r.repository} synced`);
  const aap = ctx.deps.aap;
  for (const kind of ["project", "inventory"] as const) {
    const name = STEP[kind];
    if (!aap) {
      steps.set(name, "skipped", "AAP is not configured");
      continue;
    }
    steps.set(name, "running");
    show();
    const s = ctx.deps.config.aapSettings;
    const u = await runAapUpdate(ctx, aap, kind, kind === "project" ? s.project : s.inventorySource, (x) => (steps.set(name, "running", `update ${x.id} ${x.status}`), show()));
    const ok = u.status === "successful";
    steps.set(name, ok ? "done" : "failed", `update ${u.id} ${u.status}${!ok && u.job_explanation ? `: ${u.job_explanation}` : ""}`);
    if (!ok) {
      worst = "failure";
      notes.push(`AAP ${kind} update ${u.id} ${u.status}`);
    }
  }
  return { worst, notes };
}

function describeDiff(d: AppListDiff): string[] {
  const out: string[] = [];
  if (d.added.length) out.push(`app_list added: ${d.added.map((a) => `\`${a}\``).join(", ")}`);
  if (d.changed.length) out.push(`app_list changed: ${d.changed.map((c) => `\`${c.app}\` (${c.fields.join(", ")})`).join(", ")}`);
  if (d.removed.length) out.push(`app_list removed: ${d.removed.map((a) => `\`${a}\``).join(", ")} (their containers keep running)`);
  if (d.problem) out.push(`app_list: ${d.problem}`);
  if (!out.length) out.push("app_list: no app changed.");
  return out;
}

/** gitops.autoDeploy: one /deploy per added or changed app, each behind its app lock, queued once per revision. */
async function autoDeploy(ctx: Ctx, g: GitopsRuntime, apps: string[]): Promise<string[]> {
  const out: string[] = [];
  for (const app of apps) {
    const { jobId, duplicate } = await g.jobs.enqueue("aap.deploy", {
      command: "deploy", args: { app, check: false }, actor: watcherActor(g.settings.channel), channel: g.settings.channel,
      requestId: `gitops-deploy:${ctx.args.to}:${app}`, lockKey: `app:${app}`, enqueuedAt: Date.now(),
    }, { uncapped: true }); // one per changed app, however many: the per-person cap is for people in chat
    if (!duplicate) await ctx.deps.audit.record({ event: "command", actor: "gitops", command: "deploy", jobId, target: `app:${app}`, detail: `automatic, after ${ctx.args.to.slice(0, 8)}` }).catch(() => {});
    out.push(`Deploying \`${app}\` automatically: job \`${jobId}\``);
  }
  return out;
}
