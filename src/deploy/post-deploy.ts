import type { NautobotClient } from "../clients/nautobot.ts";
import type { JobRun } from "../core/job-run.ts";
import type { ServiceProbe } from "../core/service-probe.ts";
import { errorFields, LostOwnershipError } from "../errors.ts";

/**
 * After a deploy: probe the app's services recorded in Nautobot on the target host and write a journal
 * entry on that device or VM (once per job, even across retries). Failures here are reported, not fatal.
 */
export async function postDeployChecks(
  ctx: JobRun<unknown, { nautobot?: NautobotClient | undefined; probe?: ServiceProbe | undefined }>,
  o: { app: string; host: string; aapJobId: number; journalOnly?: boolean; failed?: boolean },
): Promise<string[]> {
  const { nautobot, probe } = ctx.deps;
  if (!nautobot) return ["Nautobot is not configured: no service checks, no journal entry."];
  const lines: string[] = [];
  try {
    const h = await nautobot.findHost(o.host, { signal: ctx.signal });
    if (!h) return [`${o.host} is not in Nautobot: no service checks, no journal entry.`];
    if (!o.journalOnly) {
      const services = (await nautobot.listServices(h.id, h.kind, { signal: ctx.signal })).filter((s) => s.name === o.app);
      if (!services.length) lines.push(`No service \`${o.app}\` is recorded on ${o.host} in Nautobot: nothing to probe.`);
      for (const s of services) {
        for (const port of s.ports) {
          if (s.protocol !== "tcp" || !h.primaryIp || !probe) {
            lines.push(`service ${s.name} ${s.protocol}/${port}: not probed${h.primaryIp ? "" : " (no primary IP)"}`);
            continue;
          }
          const r = await probe({ address: h.primaryIp, port, protocol: s.protocol }, ctx.signal);
          lines.push(`service ${s.name} tcp/${port} on ${h.primaryIp}: ${r.open ? `open (${r.ms} ms)` : `NOT answering (${r.error ?? "closed"})`}`);
        }
      }
    }
    if (!ctx.state.journaled) {
      await ctx.ensureOwner(); // a worker paused past its lock writes no second entry
      const status = o.failed ? "failed" : "successful";
      await nautobot.createJournalEntry({
        objectType: h.kind === "device" ? "dcim.device" : "virtualization.virtualmachine",
        objectId: h.id,
        kind: o.failed ? "danger" : "success",
        comments: `labops: /deploy ${o.app} by ${ctx.payload.actor.name} (${ctx.payload.actor.platform}) — AAP job ${o.aapJobId} ${status}; labops job ${ctx.jobId}`,
      }, { signal: ctx.signal });
      await ctx.save({ journaled: true });
      lines.push(`Journal entry written on ${o.host} in Nautobot.`);
    }
  } catch (err) {
    if (err instanceof LostOwnershipError) throw err;
    ctx.log.warn({ err: errorFields(err) }, "post-deploy checks failed");
    lines.push("Post-deploy checks could not complete (Nautobot did not answer); the deploy itself is done.");
  }
  return lines;
}
