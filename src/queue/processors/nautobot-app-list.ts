import { appFields, appLine } from "../../appcatalog/app-view.ts";
import { requireApp } from "../../appcatalog/app-catalog.ts";
import { defineProcessor } from "../processor.ts";

/** app.list: every app of Nautobot's app_list (read fresh through the catalog). */
export const appList = defineProcessor({
  name: "app.list",
  needs: [],
  title: () => "Apps",
  async run(ctx) {
    const apps = await ctx.deps.catalog.apps({ fresh: true, signal: ctx.signal });
    const names = Object.keys(apps).sort();
    return {
      outcome: "success",
      message: {
        title: `Apps in app_list: ${names.length}`,
        state: "success",
        lines: names.length ? names.map((n) => appLine(n, apps[n]!)) : ["app_list is empty. Add one with `/app add`."],
      },
      details: { count: names.length },
    };
  },
});

/** app.show: one app's entry; an unknown name suggests close matches. */
export const appShow = defineProcessor({
  name: "app.show",
  needs: [],
  title: (a) => `App ${a.app}`,
  async run(ctx) {
    const app = await requireApp(ctx.deps.catalog, ctx.args.app, ctx.signal);
    return {
      outcome: "success",
      message: { title: `App ${ctx.args.app}`, state: "success", fields: appFields(app), lines: [`Deploy with \`/deploy ${ctx.args.app}\`.`] },
    };
  },
});
