import { applyAppChange } from "../../appcatalog/app-change.ts";
import { serviceStep } from "../../appcatalog/app-service.ts";
import { requireApp, type AppEntry } from "../../appcatalog/app-catalog.ts";
import { Steps } from "../../core/steps.ts";
import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";
import { aapResultLines } from "../../deploy/aap-view.ts";
import { runAppAction } from "./master-deploy-action.ts";

/**
 * app.remove: stop and remove the app's container on its host (Master Deploy, app_action remove; its volumes
 * stay), then drop it from app_list (Git commit + sync, or PATCH). The container goes first, while app_list
 * still names the host Master Deploy checks it against; if that fails, nothing is committed.
 * `--keep-container` only drops the entry.
 */
export default defineProcessor({
  name: "app.remove",
  needs: ["nautobot"],
  uses: ["aap"], // not needed with --keep-container
  title: (a) => `Remove app ${a.app}`,
  async run(ctx) {
    const nb = ctx.deps.nautobot;
    const title = `Remove app ${ctx.args.app}`;
    const steps = new Steps();
    const show = () => ctx.progress.update({ title, state: "running", steps: steps.list() });
    const { context } = await nb.appList({ signal: ctx.signal });
    // On a retry the app may already be gone because of this very job: what it removes was saved first.
    let app = ctx.state.removed as AppEntry | undefined;
    if (!app) {
      app = await requireApp(ctx.deps.catalog, ctx.args.app, ctx.signal, true);
      await ctx.save({ removed: app });
    }
    if (!ctx.args.keepContainer) {
      const { followed: f, host } = await runAppAction(ctx, { app: ctx.args.app, action: "remove", title, entry: app });
      if (f.job.status !== "successful") {
        const state = f.job.status === "canceled" ? "canceled" : "failure";
        const why = `Removing the container on ${host} ended ${f.job.status}; \`${ctx.args.app}\` stays in app_list. Fix it and try again, or remove only the entry with \`--keep-container\`.`;
        return { outcome: state, message: { title: `${title}: ${f.job.status}`, state, lines: [why, ...aapResultLines(f)] }, details: { aapJob: f.job.id, status: f.job.status } };
      }
      const gone = (f.progress.perHost?.[host]?.changed ?? 0) > 0;
      steps.done(gone ? `Container \`${ctx.args.app}\` stopped and removed on ${host} (AAP job ${f.job.id}); its volumes are kept` : `No container \`${ctx.args.app}\` was running on ${host} (AAP job ${f.job.id})`);
      show();
    }
    const r = await applyAppChange(ctx, nb, context, { kind: "remove", app: ctx.args.app }, steps, show);
    const svc = await serviceStep(nb, ctx.args.app, app.host, undefined, ctx.signal);
    if (svc.ok) steps.done(svc.line);
    else steps.warn(svc.line);
    for (const e of r.syncErrors) steps.warn(`sync: ${e}`);
    const lines = [
      ...(ctx.args.keepContainer ? [`The container on ${app.host} was left running (--keep-container).`] : []),
    ];
    return { outcome: "success", message: { title: `${title}: done`, state: "success", steps: steps.list(), lines }, details: { via: r.via, commit: r.sha, container: ctx.args.keepContainer ? "kept" : "removed" } };
  },
});
