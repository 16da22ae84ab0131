import { entryHash, staleReason } from "../../appcatalog/deploy-plan.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";
import { deployApp } from "./aap-deploy.ts";

/**
 * aap.deploy-apply (Apply under a check's plan): the same deploy for real, under the app's lock, only if what the
 * check ran against still holds: the app's app_list entry (read fresh) and the project's revision in AAP. Otherwise
 * nothing is launched and the message says the plan is stale, and why.
 */
export default defineProcessor({
  name: "aap.deploy-apply",
  needs: ["aap"],
  uses: ["nautobot"],
  title: (a) => `Apply the plan of AAP job ${a.checkJob}: deploy ${a.app}`,
  async run(ctx) {
    const { args: a, deps } = ctx;
    const aap = deps.aap;
    return deployApp(ctx, { app: a.app, host: a.host, allowElevated: a.allowElevated, check: false }, async (app) => {
      if (ctx.state.applyChecked) return; // a retry after the launch intent re-attaches; the basis was checked
      const project = await aap.findProject(deps.config.aapSettings.project, { signal: ctx.signal });
      const why = staleReason(a.basis, { entry: entryHash(app), revision: project.scm_revision ?? "" }, a.app);
      if (why) throw new UserError("plan_stale", `The plan of AAP job ${a.checkJob} is stale: ${why}. Nothing was launched; run \`/deploy ${a.app} --check\` again for a new plan.`);
      await ctx.save({ applyChecked: true });
    });
  },
});
