import { z } from "zod";
import { defineCommand } from "../core/command.ts";
import { formatTime } from "../core/format.ts";
import { versionLines } from "../core/version-store.ts";

/** Queue depth, running jobs, held locks and who waits. Reads Redis only. */
export default defineCommand({
  name: "status",
  description: "Queue depth, running jobs, held locks and who waits",
  requires: "viewer",
  args: z.object({}),
  examples: [""],
  async run({ deps }) {
    const q = deps.jobs.queue;
    const counts = await q.getJobCounts("waiting", "active", "delayed", "failed", "completed");
    const active = await q.getJobs(["active"], 0, 19);
    const locks = await deps.locks.list();
    const lines = [`queue: ${counts.active} running · ${counts.waiting} waiting · ${counts.delayed} delayed (incl. waiting for a lock) · ${counts.failed} failed · ${counts.completed} completed (last 24 h)`];
    for (const j of active) lines.push(`running: \`${j.id}\` /${String(j.data?.command)} by ${String(j.data?.actor?.name)} since ${formatTime(j.processedOn ?? j.timestamp, deps.timeZone, { clock: true })}`);
    for (const l of locks) lines.push(`lock \`${l.target}\`: held by \`${l.holder}\`${l.remote ? ` (its ${l.remote === "aap:intent" ? "AAP launch" : l.remote.replace("aap:", "AAP job ")} may still be running)` : ""}${l.waiting.length ? `; waiting: ${l.waiting.map((w, i) => `${i + 1}. \`${w}\``).join(", ")}` : ""}`);
    if (!active.length && !locks.length) lines.push("Nothing is running.");
    if (deps.versions) {
      const entries = await deps.versions.read();
      const systems = ["aap", "nautobot", "proxmox", "truenas"].filter((s) => entries[s]);
      if (systems.length) lines.push(...versionLines(entries, systems).map((l) => `version ${l}`));
    }
    return { title: "labops status", state: "info", lines, ephemeral: true };
  },
});
