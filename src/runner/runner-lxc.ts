import { isVmidTaken, type LxcSpec, type ProxmoxClient, type Resource } from "../clients/proxmox.ts";
import type { Config } from "../config.ts";
import { closeMatches } from "../suggest.ts";
import { UserError } from "../errors.ts";
import type { JobRun } from "../core/job-run.ts";
import { sleep } from "../sleep.ts";
import { nextRunnerName, RUNNER_TAGS } from "./runner-names.ts";
import type { AuditLog } from "../core/audit-log.ts";

/** Where a new runner goes, fixed on the first attempt and kept across retries. */
export interface RunnerPlan {
  name: string;
  node: string;
}

/** How many VMIDs to try when `cluster/nextid` keeps racing with other creates. */
const MAX_VMID_TRIES = 5;

/** The job this runs in, and what it takes from the worker. */
type Ctx = JobRun<unknown, { config: Config; audit: AuditLog }>;

/** Picks the name (next free `<prefix>NN` unless given) and the node (given, checked, or the least loaded). */
export async function planRunner(ctx: Ctx, px: ProxmoxClient, want: { name?: string | undefined; node?: string | undefined }): Promise<RunnerPlan> {
  const saved = ctx.state.plan as RunnerPlan | undefined;
  if (saved) return saved;
  const settings = ctx.deps.config.proxmoxSettings;
  const resources = await px.resources({ signal: ctx.signal });
  const name = want.name ?? nextRunnerName(resources, settings.runnerPrefix);
  const clash = resources.find((r) => r.name === name);
  if (clash) {
    throw new UserError("runner_exists", `A guest named \`${name}\` already exists (${clash.type} ${clash.vmid} on ${clash.node}). Pick another name, or leave it out.`);
  }
  const node = want.node ? await checkNode(px, want.node, ctx.signal) : await px.leastLoadedNode({ signal: ctx.signal });
  const plan = { name, node };
  await ctx.save({ plan });
  return plan;
}

async function checkNode(px: ProxmoxClient, node: string, signal: AbortSignal): Promise<string> {
  const nodes = await px.nodes({ signal });
  const hit = nodes.find((n) => n.node === node);
  if (hit?.status === "online") return node;
  if (hit) throw new UserError("proxmox_node_offline", `Proxmox node \`${node}\` is ${hit.status}; pick another or leave --node out.`);
  const near = closeMatches(node, nodes.map((n) => n.node));
  throw new UserError("proxmox_unknown_node", `No Proxmox node \`${node}\`.${near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : ` Nodes: ${nodes.map((n) => n.node).join(", ")}.`}`);
}

/** The container as labops creates every runner: unprivileged, DHCP on the bridge, tagged. */
export function runnerSpec(settings: Config["proxmoxSettings"], name: string, vmid: number, jobId: string): LxcSpec {
  return {
    vmid,
    ostemplate: settings.lxcTemplate,
    hostname: name,
    cores: settings.cores,
    memory: settings.memoryMb,
    rootfs: `${settings.storage}:${settings.diskGb}`,
    net0: `name=eth0,bridge=${settings.bridge},ip=dhcp`,
    unprivileged: true,
    // Docker inside the container (the runner's jobs) needs nesting; it is the one feature an API token may set.
    features: "nesting=1",
    onboot: true,
    tags: [...RUNNER_TAGS],
    description: `GitHub Actions runner, created by labops job ${jobId}`,
    ...(settings.sshPublicKeys.length ? { sshPublicKeys: settings.sshPublicKeys } : {}),
  };
}

/**
 * Starts the `vzcreate` task exactly once and returns its UPID. The VMID is saved before the POST and the
 * UPID right after. On a retry with a VMID but no UPID, the cluster is asked first: a container with that
 * VMID and our name is ours (the POST went through), so it is adopted instead of created again.
 * A VMID taken by someone else (nextid races) is answered by asking for a new one, a bounded number of times.
 */
export async function createLxcOnce(ctx: Ctx, px: ProxmoxClient, plan: RunnerPlan): Promise<{ upid?: string | undefined; vmid: number }> {
  const saved = ctx.state.createUpid as string | undefined;
  let vmid = ctx.state.vmid as number | undefined;
  if (saved && vmid !== undefined) return { upid: saved, vmid };
  if (vmid !== undefined) {
    const found = (await px.resources({ signal: ctx.signal })).find((r) => r.vmid === vmid);
    if (found && isOurs(found, plan)) {
      ctx.log.warn({ vmid }, "re-attached to a container created before a retry");
      return { vmid };
    }
    if (found) vmid = undefined;
  }
  const settings = ctx.deps.config.proxmoxSettings;
  for (let attempt = 1; ; attempt++) {
    vmid ??= await px.nextId({ signal: ctx.signal });
    await ctx.save({ vmid }); // the intent, with ownership checked, before the non-idempotent POST
    try {
      const upid = await px.createLxc(plan.node, runnerSpec(settings, plan.name, vmid, ctx.jobId), { signal: ctx.signal });
      await ctx.save({ createUpid: upid });
      await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `proxmox vzcreate ${vmid} ${upid}` }).catch(() => {});
      return { upid, vmid };
    } catch (err) {
      if (!isVmidTaken(err) || attempt >= MAX_VMID_TRIES) throw err;
      ctx.log.info({ vmid, attempt }, "vmid taken meanwhile, asking for another");
      vmid = undefined;
    }
  }
}

function isOurs(r: Resource, plan: RunnerPlan): boolean {
  return r.type === "lxc" && r.name === plan.name && r.node === plan.node;
}

/** Waits until an adopted container (whose UPID was lost) has no `create` lock any more. */
export async function waitUnlocked(ctx: Ctx, px: ProxmoxClient, node: string, vmid: number): Promise<void> {
  const { taskPollInterval, taskTimeout } = ctx.deps.config.proxmoxSettings;
  const deadline = Date.now() + taskTimeout;
  for (;;) {
    const st = await px.lxcStatus(node, vmid, { signal: ctx.signal });
    if (!st.lock) return;
    if (Date.now() > deadline) throw new UserError("proxmox_timeout", `CT ${vmid} is still locked (${st.lock}) after ${Math.round(taskTimeout / 1000)} s.`);
    await sleep(taskPollInterval, ctx.signal);
  }
}

/** Starts the container unless it runs already; the `vzstart` UPID is saved before waiting on it. */
export async function startOnce(ctx: Ctx, px: ProxmoxClient, node: string, vmid: number): Promise<void> {
  let upid = ctx.state.startUpid as string | undefined;
  if (!upid) {
    const st = await px.lxcStatus(node, vmid, { signal: ctx.signal });
    if (st.status === "running") return;
    upid = await px.startLxc(node, vmid, { signal: ctx.signal });
    await ctx.save({ startUpid: upid });
  }
  await px.waitForTask(upid, taskWait(ctx));
}

/** Task polling options from the config. */
export function taskWait(ctx: Ctx) {
  const { taskPollInterval, taskTimeout } = ctx.deps.config.proxmoxSettings;
  return { signal: ctx.signal, intervalMs: taskPollInterval, timeoutMs: taskTimeout };
}
