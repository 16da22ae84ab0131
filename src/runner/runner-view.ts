import type { Resource } from "../clients/proxmox.ts";
import type { Message } from "../core/message.ts";
import { formatUptime, isRunner } from "./runner-names.ts";

/**
 * The answer of /runner status: the runner LXCs (tagged `runner` or named `<prefix>NN`) with node, status
 * and uptime. `ageMs`: how old the read is (from the background copy), added to the uptime of running ones.
 */
export function runnerStatusMessage(resources: readonly Resource[], prefix: string, ageMs = 0): Message {
  const runners = resources
    .filter((r) => isRunner(r, prefix))
    .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "", "en", { numeric: true }));
  const uptime = (r: Resource) => (r.status === "running" && r.uptime ? r.uptime + Math.round(ageMs / 1000) : r.uptime);
  const lines = runners.map(
    (r) => `\`${r.name ?? `CT${r.vmid}`}\` · CT ${r.vmid} on ${r.node} · ${r.status}${r.lock ? ` (locked: ${r.lock})` : ""} · up ${formatUptime(uptime(r))}`,
  );
  const running = runners.filter((r) => r.status === "running").length;
  return {
    title: `Runners: ${runners.length} (${running} running)`,
    state: "success",
    lines: lines.length ? lines : [`No runner containers (tag \`runner\` or name \`${prefix}NN\`). Create one with \`/runner create\`.`],
  };
}
