import { z } from "zod";
import { hostName } from "../../appcatalog/app-args.ts";
import { entryProblems } from "../../appcatalog/app-policy.ts";
import { requireDockerHost } from "../../appcatalog/app-validate.ts";
import { requireApp, type AppEntry } from "../../appcatalog/app-catalog.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor, type ProcessorContext, type ProcessorResult } from "../processor.ts";
import type { ProcessorDeps } from "../systems.ts";
import { entryHash, planLines } from "../../appcatalog/deploy-plan.ts";
import { actorKey } from "../../core/actor.ts";
import type { Job } from "../../clients/aap.ts";
import type { WorkerDeps } from "../worker-deps.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine, hostCountsLine } from "../../deploy/aap-view.ts";
import { postDeployChecks } from "../../deploy/post-deploy.ts";
import { deployArgs } from "../../jobs/deploy-args.ts";

/** aap.deploy: Master Deploy for one app from app_list, limited to its host; then service checks and a journal entry. */
export default defineProcessor({
  name: "aap.deploy",
  needs: ["aap"],
  uses: ["nautobot"],
  title: (a) => `Deploy ${a.app}${a.check ? " (check mode)" : ""}`,
  run: (ctx) => deployApp(ctx, ctx.args),
});

export type DeployArgs = z.output<typeof deployArgs>;
type DeployCtx = ProcessorContext<unknown, ProcessorDeps<"aap", "nautobot">>;

/**
 * The deploy itself, also run by Apply (aap.deploy-apply) once its plan is found current. A check runs in check
 * mode with diff mode and ends with the plan (per host, the tasks that would change and their diffs) and an
 * Apply button bound to the person who asked.
 */
export async function deployApp(ctx: DeployCtx, args: DeployArgs, before?: (app: AppEntry) => Promise<void>): Promise<ProcessorResult> {
  const { deps } = ctx;
  // Read fresh: the entry checked here is the one Master Deploy will read from Nautobot a moment later.
  const app = await requireApp(deps.catalog, args.app, ctx.signal, true);
  const host = args.host ?? app.host;
  // Validated again here, where it takes effect: an entry committed to Git by hand never passed /app add.
  await checkDeployable({ args, deps, signal: ctx.signal }, args.app, app, host);
  await before?.(app);
  const title = `Deploy ${args.app} → ${host}${args.check ? " (check mode)" : ""}`;
  const link = (id: number) => ({ label: `AAP job ${id}`, url: deps.aap.jobUrl(id) });
  ctx.progress.update({ title, state: "running", lines: [`Launching "${deps.config.aapSettings.templates.deploy}" on ${host}…`] });

  const f = await launchOnce(ctx, {
    aap: deps.aap,
    key: "deploy",
    template: deps.config.aapSettings.templates.deploy,
    body: {
      extra_vars: { app: args.app, target_host: host, ...(args.allowElevated ? { allow_elevated: true } : {}) },
      limit: host,
      ...(args.check ? { job_type: "check", diff_mode: true } : {}),
    },
    pollMs: deps.config.aapSettings.pollInterval,
    timeoutMs: deps.config.aapSettings.jobTimeout,
    onProgress: (job, p) =>
      ctx.progress.update({ title, state: "running", lines: [aapStatusLine(job, p), hostCountsLine(p)], link: link(job.id) }),
  });
  const ok = f.job.status === "successful";
  if (ok && args.check) return checkResult(ctx, args, app, host, f.job, title, link(f.job.id));
  const lines = aapResultLines(f);
  if (ok && !args.check) lines.push(...(await postDeployChecks(ctx, { app: args.app, host, aapJobId: f.job.id })));
  else if (deps.nautobot) await postDeployChecks(ctx, { app: args.app, host, aapJobId: f.job.id, journalOnly: true, failed: !ok });
  return {
    outcome: ok ? "success" : f.job.status === "canceled" ? "canceled" : "failure",
    message: {
      title: `${title}: ${ok ? "successful" : f.job.status}`,
      state: ok ? "success" : f.job.status === "canceled" ? "canceled" : "failure",
      lines,
      link: link(f.job.id),
    },
    details: { aapJob: f.job.id, status: f.job.status, host, reattached: f.reattached },
  };
}

/** A successful check: the plan, and Apply (bound to the asker, single use, expiring with confirmations). */
async function checkResult(ctx: DeployCtx, args: DeployArgs, app: AppEntry, host: string, job: Job, title: string, link: { label: string; url: string }): Promise<ProcessorResult> {
  const plan = planLines(await ctx.deps.aap.changedEvents(job.id, { signal: ctx.signal }));
  const revision = typeof job.scm_revision === "string" ? job.scm_revision : "";
  const ttlMs = ctx.deps.config.limits.confirmTtl;
  const actor = ctx.payload.actor;
  const applyId = await ctx.deps.actions.create({
    kind: "deploy-apply", payload: { app: args.app, host, allowElevated: args.allowElevated, basis: { entry: entryHash(app), revision }, checkJob: job.id },
    boundTo: actorKey(actor), boundName: actor.name, requires: ctx.payload.requires ?? "operator", singleUse: true, ttlMs,
  });
  return {
    outcome: "success",
    message: {
      title: `${title}: plan ready`, state: "success", link,
      lines: [...plan.lines, ...(plan.shortened ? [`(shortened: the full diff is in AAP job ${job.id})`] : []),
        `Apply runs the same deploy for real, if neither the app_list entry nor the project's revision changed. Only ${actor.name} can apply; this expires in ${Math.round(ttlMs / 60_000)} min.`],
      buttons: [{ id: applyId, label: "Apply", style: "primary" }],
    },
    details: { aapJob: job.id, status: job.status, host, check: true },
  };
}

/**
 * What playbooks/master_deploy.yml asserts, checked before anything is launched: one exact host, the app's own
 * or one of its alternate_hosts, with a Docker-host role in Nautobot; an entry that passes app-policy.ts.
 */
async function checkDeployable(ctx: { args: z.output<typeof deployArgs>; deps: WorkerDeps; signal: AbortSignal }, name: string, app: AppEntry, host: string): Promise<void> {
  const { deps, args } = ctx;
  const policy = deps.config.deploy;
  if (!hostName.safeParse(host).success) {
    throw new UserError("deploy_refused", `Refused to deploy \`${name}\`: its app_list host \`${host}\` is not one exact host name. Nothing was launched.`);
  }
  const allowed = [app.host, ...(app.alternate_hosts ?? [])];
  if (!allowed.includes(host)) {
    throw new UserError(
      "deploy_wrong_host",
      `\`${name}\` may be deployed on ${allowed.map((h) => `\`${h}\``).join(" or ")} (its app_list host${allowed.length > 1 ? " and alternate_hosts" : ""}), not \`${host}\`. Nothing was launched.`,
    );
  }
  const problems = entryProblems(app, policy, { allowElevated: args.allowElevated });
  if (problems.length) {
    const hint = problems.some((p) => p.includes("only an admin")) ? ` An admin can deploy it with \`/deploy ${name} --allow-elevated\`.` : "";
    throw new UserError("deploy_refused", `Refused to deploy \`${name}\`: ${problems.join("; ")}. Nothing was launched.${hint}`);
  }
  if (deps.nautobot) await requireDockerHost(deps.nautobot, host, policy, ctx.signal);
}
