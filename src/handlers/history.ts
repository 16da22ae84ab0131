import { z } from "zod";
import { defineCommand } from "../core/command.ts";

/** The audit trail, newest first, optionally about one target (`traefik`, `app:traefik`, `truenas:Media/docker-media`). */
export default defineCommand({
  name: "history",
  description: "Recent commands, confirmations, remote ids and results from the audit trail",
  requires: "viewer",
  args: z.object({
    target: z.string().max(200).optional().describe("Only entries about this target, e.g. traefik or app:traefik"),
    limit: z.coerce.number().int().min(1).max(100).default(20).describe("How many entries"),
  }),
  positional: ["target"],
  examples: ["", "traefik", "app:traefik --limit 5"],
  async run({ args, deps }) {
    const entries = await deps.audit.recent({ target: args.target, limit: args.limit });
    const lines = entries.map((e) =>
      [new Date(e.at).toISOString().replace("T", " ").slice(0, 19), e.event, e.command ? `/${e.command}` : "", e.actor ?? "", e.jobId ? `job ${e.jobId}` : "", e.target ?? "", e.detail ?? ""]
        .filter(Boolean).join(" · ").slice(0, 300));
    return { title: `History${args.target ? ` of ${args.target}` : ""}`, state: "info", lines: lines.length ? lines : ["No entries."], ephemeral: true };
  },
});
