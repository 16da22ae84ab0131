import type { Resource } from "../clients/proxmox.ts";

/** Tags labops puts on every runner LXC (PVE joins them with `;`). */
export const RUNNER_TAGS = ["labops", "runner"] as const;

/** A runner: an LXC tagged `runner` or named `<prefix>NN`. */
export function isRunner(r: Resource, prefix: string): boolean {
  if (r.type !== "lxc") return false;
  const tags = (r.tags ?? "").split(/[;,\s]+/);
  return tags.includes("runner") || new RegExp(`^${prefix}\\d+$`).test(r.name ?? "");
}

/** The lowest `<prefix>NN` (two digits at least, from 01) that no guest in the cluster is named. */
export function nextRunnerName(resources: readonly Resource[], prefix: string): string {
  const taken = new Set(resources.map((r) => r.name ?? ""));
  for (let n = 1; ; n++) {
    const name = `${prefix}${String(n).padStart(2, "0")}`;
    if (!taken.has(name)) return name;
  }
}

/** "3 d 4 h", "12 min", "45 s"; "—" when not running. */
export function formatUptime(seconds: number | undefined): string {
  if (!seconds) return "—";
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d} d ${h} h`;
  if (h > 0) return `${h} h ${m} min`;
  if (m > 0) return `${m} min`;
  return `${seconds} s`;
}
