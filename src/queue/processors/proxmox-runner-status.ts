import { isRunner } from "../../runner/runner-names.ts";
import { runnerStatusMessage } from "../../runner/runner-view.ts";
import { defineProcessor } from "../processor.ts";

/**
 * proxmox.runner-status: the runner LXCs with node, status and uptime, read from Proxmox now. One read. The
 * command answers from the background copy at acknowledgement once it has loaded; this job is the fallback.
 */
export default defineProcessor({
  name: "proxmox.runner-status",
  needs: ["proxmox"],
  title: () => "Runners",
  async run(ctx) {
    const px = ctx.deps.proxmox;
    const prefix = ctx.deps.config.proxmoxSettings.runnerPrefix;
    const resources = await px.resources({ signal: ctx.signal });
    const running = resources.filter((r) => isRunner(r, prefix));
    return {
      outcome: "success",
      message: runnerStatusMessage(resources, prefix),
      details: { count: running.length, running: running.filter((r) => r.status === "running").length },
    };
  },
});
