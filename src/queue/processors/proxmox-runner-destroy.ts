import { ProxmoxTaskError, type ProxmoxClient } from "../../clients/proxmox.ts";
import type { Resource } from "../../clients/proxmox.ts";
import { closeMatches } from "../../suggest.ts";
import { UserError } from "../../errors.ts";
import { deregisterRunner } from "../../runner/runner-github.ts";
import { taskWait } from "../../runner/runner-lxc.ts";
import { isRunner } from "../../runner/runner-names.ts";
import { Steps } from "../../core/steps.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";

/**
 * proxmox.runner-destroy: remove the runner from GitHub (refused while it runs a job), stop and delete its LXC
 * (waiting on each task), then mark it in Nautobot with a journal entry (the Nautobot client has no VM
 * delete/patch; the record is kept for history). GitHub goes first: a container deleted first would leave the
 * runner "offline" there, and a busy runner must stop the whole destroy. Retry-safe: the container is looked
 * up again, the GitHub removal is recorded, saved UPIDs are re-awaited, and the journal entry is written once.
 */
export default defineProcessor({
  name: "proxmox.runner-destroy",
  needs: ["proxmox"],
  uses: ["nautobot", "github"],
  title: (a) => `Destroy runner ${a.name}`,
  async run(ctx) {
    const px = ctx.deps.proxmox;
    const title = `Destroy runner ${ctx.args.name}`;
    const steps = new Steps();
    const show = () => ctx.progress.update({ title, state: "running", steps: steps.list() });
    const ct = await findRunner(ctx, px, ctx.args.name);
    steps.running("Removing the runner from GitHub…");
    show();
    await deregisterRunner(ctx, ctx.deps.github, ctx.args.name, steps);
    try {
      if (ct) {
        await ctx.save({ vmid: ct.vmid, node: ct.node });
        steps.running(`Stopping CT ${ct.vmid} on ${ct.node}…`);
        show();
        await stopOnce(ctx, px, ct);
        steps.done(`CT ${ct.vmid} stopped`).running(`Deleting CT ${ct.vmid}…`);
        show();
        await deleteOnce(ctx, px, ct);
        steps.done(`CT ${ct.vmid} deleted with its volumes`);
      } else if (ctx.state.githubOnly) {
        steps.done("No container in Proxmox (deleted before): only the registration on GitHub was left");
      } else {
        steps.done(`CT ${String(ctx.state.vmid)} already deleted`);
      }
    } catch (err) {
      if (!(err instanceof ProxmoxTaskError)) throw err;
      steps.failed(`Proxmox task ${err.task.type} failed: ${err.exitstatus}`);
      return { outcome: "failure", message: { title: `${title}: failed`, state: "failure", steps: steps.list(), lines: [...err.logTail.slice(-6).map((l) => `  ${l}`)] } };
    }
    await markDecommissioned(ctx, steps);
    return { outcome: "success", message: { title: `${title}: done`, state: "success", steps: steps.list() }, details: { vmid: ctx.state.vmid } };
  },
});

/** The runner container by name; refuses other guests. Undefined when a retry finds it already gone. */
async function findRunner(ctx: ProcessorContext<{ name: string }>, px: ProxmoxClient, name: string): Promise<Resource | undefined> {
  const all = await px.resources({ signal: ctx.signal });
  const hit = all.find((r) => r.name === name);
  if (hit && !isRunner(hit, ctx.deps.config.proxmoxSettings.runnerPrefix)) {
    throw new UserError("not_a_runner", `\`${name}\` is a ${hit.type} but not a runner (no \`runner\` tag); labops will not destroy it.`);
  }
  if (hit) return hit;
  if (ctx.state.vmid !== undefined || ctx.state.githubOnly) return undefined; // deleted by an earlier attempt
  // A container deleted before labops deregistered runners: its runner lingers offline on GitHub. A runner-named one may be removed there alone.
  const prefix = ctx.deps.config.proxmoxSettings.runnerPrefix;
  if (ctx.deps.github && new RegExp(`^${prefix}\\d+$`).test(name) && (await ctx.deps.github.findRunner(name, { signal: ctx.signal }))) {
    await ctx.save({ githubOnly: true });
    return undefined;
  }
  const runners = all.filter((r) => isRunner(r, ctx.deps.config.proxmoxSettings.runnerPrefix)).map((r) => r.name ?? "");
  const near = closeMatches(name, runners);
  const hint = near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : runners.length ? ` Runners: ${runners.join(", ")}.` : "";
  throw new UserError("unknown_runner", `No runner \`${name}\` in Proxmox.${hint}`);
}

async function stopOnce(ctx: ProcessorContext<unknown>, px: ProxmoxClient, ct: Resource): Promise<void> {
  let upid = ctx.state.stopUpid as string | undefined;
  if (!upid) {
    if ((await px.lxcStatus(ct.node, ct.vmid, { signal: ctx.signal })).status !== "running") return;
    upid = await px.stopLxc(ct.node, ct.vmid, { signal: ctx.signal });
    await ctx.save({ stopUpid: upid });
  }
  await px.waitForTask(upid, taskWait(ctx));
}

async function deleteOnce(ctx: ProcessorContext<unknown>, px: ProxmoxClient, ct: Resource): Promise<void> {
  let upid = ctx.state.deleteUpid as string | undefined;
  if (!upid) {
    await ctx.ensureOwner();
    upid = await px.deleteLxc(ct.node, ct.vmid, { signal: ctx.signal });
    await ctx.save({ deleteUpid: upid });
    await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `proxmox vzdestroy ${ct.vmid} ${upid}` }).catch(() => {});
  }
  await px.waitForTask(upid, taskWait(ctx));
}

/** A journal entry on the runner's Nautobot VM, once per job; a missing record is only noted. */
async function markDecommissioned(ctx: ProcessorContext<{ name: string }>, steps: Steps): Promise<void> {
  const nb = ctx.deps.nautobot;
  if (!nb) return void steps.warn("Nautobot is not configured: no record to update");
  if (ctx.state.journaled) return void steps.done("Nautobot journal entry written");
  const vm = await nb.getVirtualMachine(ctx.args.name, { signal: ctx.signal });
  if (!vm) return void steps.warn(`No VM \`${ctx.args.name}\` in Nautobot: nothing to update`);
  await nb.createJournalEntry({
    objectType: "virtualization.virtualmachine",
    objectId: vm.id,
    kind: "warning",
    comments: `labops: /runner destroy by ${ctx.payload.actor.name} (${ctx.payload.actor.platform}): ${ctx.state.vmid !== undefined ? `LXC ${String(ctx.state.vmid)} deleted from Proxmox` : "no container was left in Proxmox; removed from GitHub"}; decommissioned. labops job ${ctx.jobId}`,
  }, { signal: ctx.signal });
  await ctx.save({ journaled: true });
  steps.done(`Nautobot VM ${ctx.args.name}: journal entry "decommissioned" written (record kept)`);
}
