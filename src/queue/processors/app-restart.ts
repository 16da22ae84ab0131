import { defineProcessor } from "../processor.ts";
import { aapResultLines } from "../../deploy/aap-view.ts";
import { runAppAction } from "./master-deploy-action.ts";

/** app.restart: Master Deploy with app_action restart on the app's host (the container must exist there). */
export default defineProcessor({
  name: "app.restart",
  needs: ["aap"],
  title: (a) => `Restart ${a.app}`,
  async run(ctx) {
    const title = `Restart ${ctx.args.app}${ctx.args.host ? ` on ${ctx.args.host}` : ""}`;
    const { followed: f, host } = await runAppAction(ctx, { app: ctx.args.app, action: "restart", host: ctx.args.host, title });
    const ok = f.job.status === "successful";
    const state = ok ? "success" : f.job.status === "canceled" ? "canceled" : "failure";
    return {
      outcome: state,
      message: { title: `Restart ${ctx.args.app} → ${host}: ${ok ? "restarted" : f.job.status}`, state, lines: aapResultLines(f), link: { label: `AAP job ${f.job.id}`, url: ctx.deps.aap.jobUrl(f.job.id) } },
      details: { aapJob: f.job.id, status: f.job.status, host },
    };
  },
});
