import { formatUptime, isRunner } from "../../runner/runner-names.ts";
import { defineProcessor } from "../processor.ts";

/** proxmox.runner-status: the runner LXCs (tagged `runner` or named `<prefix>NN`) with node, status and uptime. One read. */
export default defineProcessor({
  name: "proxmox.runner-status",
  needs: ["proxmox"],
  title: () => "Runners",
  async run(ctx) {
    const px = ctx.deps.proxmox;
    const prefix = ctx.deps.config.proxmoxSettings.runnerPrefix;
    const runners = (await px.resources({ signal: ctx.signal }))
      .filter((r) => isRunner(r, prefix))
      .sort((a, b) => (a.name ?? "").localeCompare(b.name ?? "", "en", { numeric: true }));
    const lines = runners.map(
      (r) => `\`${r.name ?? `CT${r.vmid}`}\` · CT ${r.vmid} on ${r.node} · ${r.status}${r.lock ? ` (locked: ${r.lock})` : ""} · up ${formatUptime(r.uptime)}`,
    );
    const running = runners.filter((r) => r.status === "running").length;
    return {
      outcome: "success",
      message: {
        title: `Runners: ${runners.length} (${running} running)`,
        state: "success",
        lines: lines.length ? lines : [`No runner containers (tag \`runner\` or name \`${prefix}NN\`). Create one with \`/runner create\`.`],
      },
      details: { count: runners.length, running },
    };
  },
});
