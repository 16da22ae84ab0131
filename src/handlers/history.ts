import { z } from "zod";
import type { AuditEntry } from "../core/audit-log.ts";
import { defineCommand } from "../core/command.ts";
import type { CommandRegistry } from "../core/command-registry.ts";
import { formatArgs, formatTime, readableDetail } from "../core/format.ts";

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
    const lines = entries.map((e) => historyLine(e, deps.commands, deps.timeZone).slice(0, 300));
    return { title: `History${args.target ? ` of ${args.target}` : ""}`, state: "info", lines: lines.length ? lines : ["No entries."], ephemeral: true };
  },
});

const VERB: Record<AuditEntry["event"], string> = {
  command: "ran", refused: "was refused", confirmed: "confirmed", canceled: "canceled", remote: "remote", result: "result", action: "clicked", approval: "decided",
};

/** `2026-12-04 02:10:33 UTC · slack:U0ALICE ran /deploy traefik --check · job 0a1b… · app:traefik` */
export function historyLine(e: AuditEntry, commands: CommandRegistry, tz = "UTC"): string {
  const cmd = e.command ? commands.get(e.command) : undefined;
  const typed = e.command ? `/${commands.typed(e.command)}` : "";
  let detail = readableDetail(e.detail ?? "");
  if (e.event === "command" && cmd && e.detail?.startsWith("{")) {
    try {
      detail = formatArgs(cmd.specs, JSON.parse(e.detail) as Record<string, unknown>);
    } catch {
      // not JSON after all: shown as recorded
    }
  }
  const what = e.event === "command" ? [typed, detail].filter(Boolean).join(" ") : [typed, detail && (e.event === "refused" ? `(${detail})` : detail)].filter(Boolean).join(" ");
  const who = e.actor ? `${e.actor} ${VERB[e.event]}` : VERB[e.event];
  return [formatTime(e.at, tz), `${who} ${what}`.trim(), e.jobId ? `job ${e.jobId}` : "", e.target ?? ""].filter(Boolean).join(" · ");
}
