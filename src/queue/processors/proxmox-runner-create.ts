import { ProxmoxTaskError } from "../../clients/proxmox.ts";
import type { Message } from "../../core/message.ts";
import { createLxcOnce, planRunner, startOnce, taskWait, waitUnlocked } from "../../runner/runner-lxc.ts";
import { ensureRunnerVm, syncAapInventory } from "../../runner/runner-records.ts";
import { Steps } from "../../core/steps.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { launchOnce } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine } from "../../deploy/aap-view.ts";

/**
 * proxmox.runner-create: a GitHub Actions runner end to end. Plan (name, node) → LXC from the template
 * (VMID race handled) → start → Nautobot VM record → AAP inventory sync → "Deploy GitHub Runner" on it.
 * Every remote id is saved right after the call that made it, so a retry re-attaches instead of redoing.
 */
export default defineProcessor({
  name: "proxmox.runner-create",
  needs: ["proxmox"],
  uses: ["nautobot", "aap"],
  title: (a) => `Create runner${a.name ? ` ${a.name}` : ""}`,
  async run(ctx) {
    const { proxmox: px, nautobot: nb, aap } = ctx.deps;
    const steps = new Steps();
    let title = "Create runner";
    const show = (extra: Partial<Message> = {}) => ctx.progress.update({ title, state: "running", steps: steps.list(), ...extra });

    steps.running("Choosing name, node and VMID…");
    show();
    const plan = await planRunner(ctx, px, ctx.args);
    title = `Create runner ${plan.name}`;

    steps.running(`Creating unprivileged LXC on ${plan.node}…`);
    show();
    const { upid, vmid } = await createLxcOnce(ctx, px, plan);
    try {
      if (upid) await px.waitForTask(upid, taskWait(ctx));
      else await waitUnlocked(ctx, px, plan.node, vmid);
    } catch (err) {
      if (err instanceof ProxmoxTaskError) return taskFailed(title, steps, err, `create CT ${vmid} on ${plan.node}`);
      throw err;
    }
    steps.done(`LXC ${vmid} created on ${plan.node} (${ctx.deps.config.proxmoxSettings.lxcTemplate.split("/").pop()})`);

    steps.running(`Starting CT ${vmid}…`);
    show();
    try {
      await startOnce(ctx, px, plan.node, vmid);
    } catch (err) {
      if (err instanceof ProxmoxTaskError) return taskFailed(title, steps, err, `start CT ${vmid}`);
      throw err;
    }
    steps.done(`CT ${vmid} running`);

    if (nb) {
      steps.running("Recording the VM in Nautobot…");
      show();
      const vm = await ensureRunnerVm(ctx, nb, plan, vmid);
      steps.done(`Nautobot VM ${plan.name} ${vm.existed ? "already recorded" : "recorded"} in cluster ${ctx.deps.config.nautobotSettings.vmCluster}`);
    } else steps.warn("Nautobot is not configured: no VM record");

    if (!aap) {
      steps.warn("AAP is not configured: the runner software was not installed");
      return { outcome: "success", message: { title: `${title}: container ready`, state: "success", steps: steps.list() }, details: { vmid, node: plan.node } };
    }
    return installRunner(ctx, { title, steps, name: plan.name, node: plan.node, vmid });
  },
});

async function installRunner(
  ctx: ProcessorContext<unknown>,
  o: { title: string; steps: Steps; name: string; node: string; vmid: number },
) {
  const aap = ctx.deps.aap!;
  const { steps, title } = o;
  if (ctx.state.runnerLaunch === undefined) {
    steps.running("Refreshing AAP's inventory from Nautobot…");
    ctx.progress.update({ title, state: "running", steps: steps.list() });
    const problem = await syncAapInventory(ctx, aap);
    if (problem) steps.warn(`${problem}; launching anyway`);
  }
  const template = ctx.deps.config.aapSettings.templates.runner;
  const link = (id: number) => ({ label: `AAP job ${id}`, url: aap.jobUrl(id) });
  steps.running(`Launching "${template}" on ${o.name}…`);
  const f = await launchOnce(ctx, {
    aap,
    key: "runnerLaunch",
    template,
    body: { extra_vars: { runner_name: o.name, runner_vmid: o.vmid, runner_node: o.node }, limit: o.name },
    pollMs: ctx.deps.config.aapSettings.pollInterval,
    timeoutMs: ctx.deps.config.aapSettings.jobTimeout,
    onProgress: (job, p) => {
      steps.detail(aapStatusLine(job, p));
      ctx.progress.update({ title, state: "running", steps: steps.list(), link: link(job.id) });
    },
  });
  const ok = f.job.status === "successful";
  if (ok) steps.done(`"${template}" successful`);
  else steps.failed(`"${template}" ${f.job.status}`);
  // A limit that matches no inventory host "succeeds" without touching anything: say so.
  if (ok && !f.progress.perHost?.[o.name]) steps.warn(`AAP's inventory has no host \`${o.name}\` yet: the play matched no host, so the runner software is not installed`);
  return {
    outcome: ok ? ("success" as const) : ("failure" as const),
    message: { title: `${title}: ${ok ? "ready" : f.job.status}`, state: ok ? ("success" as const) : ("failure" as const), steps: steps.list(), lines: [...aapResultLines(f)], link: link(f.job.id) },
    details: { vmid: o.vmid, node: o.node, aapJob: f.job.id, reattached: f.reattached },
  };
}

/** A Proxmox task that ended in error: its exit status and the last lines of its log, for the person to act on. */
function taskFailed(title: string, steps: Steps, err: ProxmoxTaskError, what: string) {
  steps.failed(`Proxmox task failed: ${what} — ${err.exitstatus}`);
  const log = err.logTail.slice(-6).map((l) => `  ${l}`);
  return {
    outcome: "failure" as const,
    message: { title: `${title}: failed`, state: "failure" as const, steps: steps.list(), lines: [`Task ${err.upid}`, "last lines of the task log:", ...log] },
    details: { upid: err.upid, exitstatus: err.exitstatus },
  };
}
