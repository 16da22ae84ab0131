import { applyAppChange } from "../../appcatalog/app-change.ts";
import { appFields } from "../../appcatalog/app-view.ts";
import { serviceStep } from "../../appcatalog/app-service.ts";
import { buildNewApp } from "../../appcatalog/app-validate.ts";
import type { Message } from "../../core/message.ts";
import { Steps } from "../../core/steps.ts";
import { defineProcessor } from "../processor.ts";

/** app.add: validate a new app_list entry, commit it to Git (or PATCH), sync Nautobot, wait until it shows. */
export default defineProcessor({
  name: "app.add",
  needs: ["nautobot"],
  title: (a) => `Add app ${a.app}`,
  async run(ctx) {
    const nb = ctx.deps.nautobot;
    const title = `Add app ${ctx.args.app}`;
    const steps = new Steps();
    const show = (extra: Partial<Message> = {}) => ctx.progress.update({ title, state: "running", steps: steps.list(), ...extra });
    steps.running("Checking the entry against Nautobot…");
    show();
    const { context, apps } = await nb.appList({ signal: ctx.signal });
    // A retry after our own change landed must not refuse the app as "already there".
    const others = ctx.state.changeStarted ? Object.fromEntries(Object.entries(apps).filter(([n]) => n !== ctx.args.app)) : apps;
    const entry = (ctx.state.entry as typeof apps[string] | undefined) ?? (await buildNewApp(ctx.args, others, nb, ctx.deps.config.deploy, ctx.signal));
    await ctx.save({ entry });
    steps.done(`Entry valid: ${entry.image} on ${entry.host}`);
    const r = await applyAppChange(ctx, nb, context, { kind: "add", app: ctx.args.app, entry }, steps, show);
    const svc = await serviceStep(nb, ctx.args.app, entry.host, entry, ctx.signal);
    if (svc.ok) steps.done(svc.line);
    else steps.warn(svc.line);
    for (const e of r.syncErrors) steps.warn(`sync: ${e}`);
    const lines = [`Deploy it with \`/deploy ${ctx.args.app}\`.`];
    return {
      outcome: "success",
      message: { title: `${title}: done${r.syncErrors.length ? " (sync reported errors)" : ""}`, state: "success", steps: steps.list(), lines, fields: appFields(entry) },
      details: { via: r.via, commit: r.sha, syncErrors: r.syncErrors.length },
    };
  },
});
