import { TERMINAL_JOB_STATUSES, type AapClient } from "../clients/aap.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import { UserError } from "../errors.ts";
import type { JobRun } from "../core/job-run.ts";
import { sleep } from "../sleep.ts";
import type { RunnerPlan } from "./runner-lxc.ts";
import type { Config } from "../config.ts";

/** The job this runs in, and what it takes from the worker. */
type Ctx = JobRun<unknown, { config: Config }>;

/**
 * Records the runner in Nautobot as a virtual machine of `nautobotSettings.vmCluster`, with the runner role
 * when Nautobot has it. Idempotent across retries: the saved id, else a VM of that name, is reused.
 */
export async function ensureRunnerVm(ctx: Ctx, nb: NautobotClient, plan: RunnerPlan, vmid: number): Promise<{ id: string; existed: boolean }> {
  const saved = ctx.state.nautobotVmId as string | undefined;
  if (saved) return { id: saved, existed: false };
  const existing = await nb.getVirtualMachine(plan.name, { signal: ctx.signal });
  if (existing) {
    await ctx.save({ nautobotVmId: existing.id });
    return { id: existing.id, existed: true };
  }
  const { proxmoxSettings: px, nautobotSettings: ns } = ctx.deps.config;
  const vm = {
    name: plan.name,
    cluster: ns.vmCluster,
    vcpus: px.cores,
    memory: px.memoryMb,
    disk: px.diskGb,
    comments: `Proxmox LXC ${vmid} on ${plan.node}, GitHub Actions runner; created by labops job ${ctx.jobId}.`,
  };
  await ctx.ensureOwner();
  let created: { id: string };
  try {
    created = await nb.createVirtualMachine({ ...vm, role: ns.runnerRole }, { signal: ctx.signal });
  } catch (err) {
    if (!(err instanceof UserError && err.code === "nautobot_unknown_role")) throw err;
    created = await nb.createVirtualMachine(vm, { signal: ctx.signal });
  }
  await ctx.save({ nautobotVmId: created.id });
  return { id: created.id, existed: false };
}

/**
 * Refreshes AAP's Nautobot inventory source so the new VM is a known host before the launch. An inventory
 * sync is harmless to repeat; its id is saved so a retry follows the same one. Returns a problem, or undefined.
 */
export async function syncAapInventory(ctx: Ctx, aap: AapClient): Promise<string | undefined> {
  const { inventorySource, pollInterval } = ctx.deps.config.aapSettings;
  try {
    let id = ctx.state.inventoryUpdate as number | undefined;
    if (id === undefined) {
      const src = await aap.findInventorySource(inventorySource, { signal: ctx.signal });
      id = (await aap.updateInventorySource(src.id, { signal: ctx.signal })).updateId;
      await ctx.save({ inventoryUpdate: id });
    }
    const deadline = Date.now() + 10 * 60_000;
    for (;;) {
      const u = await aap.getInventoryUpdate(id, { signal: ctx.signal });
      if (TERMINAL_JOB_STATUSES.includes(u.status)) return u.status === "successful" ? undefined : `AAP inventory sync ${id} ${u.status}`;
      if (Date.now() > deadline) return `AAP inventory sync ${id} still ${u.status}`;
      await sleep(pollInterval, ctx.signal);
    }
  } catch (err) {
    if (err instanceof UserError) return err.message;
    throw err;
  }
}
