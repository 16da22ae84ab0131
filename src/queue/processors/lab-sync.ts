import { UserError } from "../../errors.ts";
import { defineProcessor } from "../processor.ts";
import { runAapUpdate } from "../../sync/aap-update.ts";
import { syncNautobotRepository } from "../../sync/nautobot-sync.ts";
import { Steps } from "../../core/steps.ts";

const NAMES = { project: "AAP project", inventory: "AAP inventory source", nautobot: "Nautobot Git repository" } as const;

/** lab.sync: AAP project update, inventory source update, Nautobot Git sync (its logs read for errors), or all three in order. */
export default defineProcessor({
  name: "lab.sync",
  needs: [],
  uses: ["aap", "nautobot"],
  title: (a) => `Sync ${a.target}`,
  async run(ctx) {
    const targets = ctx.args.target === "all" ? (["project", "inventory", "nautobot"] as const) : [ctx.args.target];
    const steps = Steps.of(targets.map((t) => NAMES[t]));
    const title = `Sync ${ctx.args.target}`;
    const show = () => ctx.progress.update(steps.message(title, "running"));
    const notes: string[] = [];
    let worst: "success" | "warning" | "failure" = "success";
    for (const t of targets) {
      const name = NAMES[t];
      steps.set(name, "running");
      show();
      if (t === "nautobot") {
        const r = await syncNautobotRepository(ctx, (status) => (steps.set(name, "running", status), show()));
        const status = r.result.status.value;
        if (status !== "SUCCESS") {
          steps.set(name, "failed", `sync job ${status}`);
          worst = "failure";
        } else if (r.errors.length) {
          steps.set(name, "warning", `SUCCESS, but ${r.errors.length} error(s) in the log`);
          notes.push(...r.errors.slice(0, 5).map((e) => `Nautobot ${e.grouping ? `(${e.grouping}) ` : ""}${e.log_object ? `${e.log_object}: ` : ""}${e.message}`));
          if (worst === "success") worst = "warning";
        } else steps.set(name, "done", `repository ${r.repository} synced`);
        continue;
      }
      const aap = ctx.deps.aap;
      if (!aap) throw new UserError("aap_not_configured", "AAP is not configured (set AAP_URL and AAP_TOKEN).");
      const s = ctx.deps.config.aapSettings;
      const u = await runAapUpdate(ctx, aap, t, t === "project" ? s.project : s.inventorySource, (x) => (steps.set(name, "running", `update ${x.id} ${x.status}`), show()));
      const ok = u.status === "successful";
      steps.set(name, ok ? "done" : "failed", `update ${u.id} ${u.status}${!ok && u.job_explanation ? `: ${u.job_explanation}` : ""}`);
      if (!ok) worst = "failure";
    }
    const state = worst === "success" ? "success" : worst === "warning" ? "warning" : "failure";
    return {
      // A sync that logged errors is reported as a warning but counted a success: the job itself completed.
      outcome: worst === "failure" ? "failure" : "success",
      message: steps.message(`${title}: ${worst === "success" ? "done" : worst === "warning" ? "done with errors" : "failed"}`, state === "warning" ? "success" : state, { lines: notes }),
    };
  },
});
