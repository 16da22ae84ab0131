import { applyAppChange } from "../../appcatalog/app-change.ts";
import { requireApp } from "../../appcatalog/app-catalog.ts";
import { StepLines } from "../../runner/steps.ts";
import { defineProcessor } from "../processor.ts";

/** app.remove: drop an app from app_list (Git commit + sync, or PATCH). The running container is left alone. */
export default defineProcessor({
  name: "app.remove",
  needs: ["nautobot"],
  title: (a) => `Remove app ${a.app}`,
  async run(ctx) {
    const nb = ctx.deps.nautobot;
    const title = `Remove app ${ctx.args.app}`;
    const steps = new StepLines();
    const show = () => ctx.progress.update({ title, state: "running", lines: steps.lines() });
    const { context } = await nb.appList({ signal: ctx.signal });
    // On a retry the app may already be gone because of this very job.
    const app = ctx.state.changeStarted ? (ctx.state.removed as { host: string } | undefined) : await requireApp(ctx.deps.catalog, ctx.args.app, ctx.signal);
    if (!ctx.state.changeStarted) await ctx.save({ removed: app });
    const r = await applyAppChange(ctx, nb, context, { kind: "remove", app: ctx.args.app }, steps, show);
    const lines = [
      ...steps.lines(),
      ...r.syncErrors.map((e) => `⚠️ sync: ${e}`),
      `The container on ${app?.host ?? "its host"} was not touched: stop it there if it should go too.`,
    ];
    return { outcome: "success", message: { title: `${title}: done`, state: "success", lines }, details: { via: r.via, commit: r.sha } };
  },
});
