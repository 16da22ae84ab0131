import { defineProcessor } from "../processor.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { runAapUpdate } from "../../sync/aap-update.ts";
import { aapResultLines, aapStatusLine } from "../../deploy/aap-view.ts";
import { Steps } from "../../core/steps.ts";

/**
 * aap.seed: sync the project (wait), run the Seeder (it declares templates, credentials, the inventory
 * source), then update the Nautobot inventory source. One message shows the three steps.
 */
export default defineProcessor({
  name: "aap.seed",
  needs: ["aap"],
  title: () => "Seed AAP",
  async run(ctx) {
    const aap = ctx.deps.aap;
    const s = ctx.deps.config.aapSettings;
    const [projectStep, seederStep, inventoryStep] = [`Sync project "${s.project}"`, `Run "${s.templates.seeder}"`, `Update inventory source "${s.inventorySource}"`] as const;
    const steps = Steps.of([projectStep, seederStep, inventoryStep]);
    const show = () => ctx.progress.update(steps.message("Seed AAP", "running"));
    const fail = (lines: string[] = []) => ({ outcome: "failure" as const, message: steps.message("Seed AAP: failed", "failure", { lines }) });

    steps.set(projectStep, "running");
    show();
    const project = await runAapUpdate(ctx, aap, "project", s.project, (u) => (steps.set(projectStep, "running", `update ${u.id} ${u.status}`), show()));
    if (project.status !== "successful") {
      steps.set(projectStep, "failed", `update ${project.id} ${project.status}${project.job_explanation ? `: ${project.job_explanation}` : ""}`);
      return fail();
    }
    steps.set(projectStep, "done", `update ${project.id} successful`).set(seederStep, "running");
    show();

    const seeded = await launchOnce(ctx, {
      aap, key: "seeder", template: s.templates.seeder, body: {}, pollMs: s.pollInterval, timeoutMs: s.jobTimeout,
      onProgress: (job, p) => (steps.set(seederStep, "running", aapStatusLine(job, p)), show()),
    });
    const link = { label: `AAP job ${seeded.job.id}`, url: aap.jobUrl(seeded.job.id) };
    if (seeded.job.status !== "successful") {
      steps.set(seederStep, "failed", `AAP job ${seeded.job.id} ${seeded.job.status}`);
      return { ...fail(aapResultLines(seeded)), details: { seederJob: seeded.job.id } };
    }
    steps.set(seederStep, "done", `AAP job ${seeded.job.id} successful`).set(inventoryStep, "running");
    show();

    const inv = await runAapUpdate(ctx, aap, "inventory", s.inventorySource, (u) => (steps.set(inventoryStep, "running", `update ${u.id} ${u.status}`), show()));
    const ok = inv.status === "successful";
    steps.set(inventoryStep, ok ? "done" : "failed", `update ${inv.id} ${inv.status}`);
    return {
      outcome: ok ? "success" : "failure",
      message: steps.message(`Seed AAP: ${ok ? "done" : "failed"}`, ok ? "success" : "failure", { link }),
      details: { projectUpdate: project.id, seederJob: seeded.job.id, inventoryUpdate: inv.id },
    };
  },
});
