import { z } from "zod";
import { requireApp } from "../../core/app-catalog.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";
import { launchOnce } from "./aap-follow.ts";
import { aapResultLines, aapStatusLine, hostCountsLine } from "./aap-view.ts";
import { postDeployChecks } from "./post-deploy.ts";

export const deployArgs = z.object({
  app: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "an app name: lowercase letters, digits, - and _").describe("App name from app_list"),
  check: z.boolean().default(false).describe("Dry run (Ansible check mode)"),
  host: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, "a host name").optional().describe("Deploy to this host instead of the app's own"),
});

/** aap.deploy: Master Deploy for one app from app_list, limited to its host; then service checks and a journal entry. */
export default defineProcessor({
  name: "aap.deploy",
  args: deployArgs,
  title: (a) => `Deploy ${a.app}${a.check ? " (check mode)" : ""}`,
  async run(ctx) {
    const { args, deps } = ctx;
    if (!deps.aap) throw new UserError("aap_not_configured", "AAP is not configured (set AAP_URL and AAP_TOKEN), so labops cannot deploy.");
    const app = await requireApp(deps.catalog, args.app, ctx.signal);
    const host = args.host ?? app.host;
    const title = `Deploy ${args.app} → ${host}${args.check ? " (check mode)" : ""}`;
    const link = (id: number) => ({ label: `AAP job ${id}`, url: deps.aap!.jobUrl(id) });
    ctx.progress.update({ title, state: "running", lines: [`Launching "${deps.config.aapSettings.templates.deploy}" on ${host}…`] });

    const f = await launchOnce(ctx, {
      aap: deps.aap,
      key: "deploy",
      template: deps.config.aapSettings.templates.deploy,
      body: { extra_vars: { app: args.app }, limit: host, ...(args.check ? { job_type: "check" } : {}) },
      pollMs: deps.config.aapSettings.pollInterval,
      timeoutMs: deps.config.aapSettings.jobTimeout,
      onProgress: (job, p) =>
        ctx.progress.update({ title, state: "running", lines: [aapStatusLine(job, p), hostCountsLine(p)], link: link(job.id) }),
    });
    const ok = f.job.status === "successful";
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
  },
});
