import type { NautobotClient } from "../clients/nautobot.ts";
import type { AppEntry } from "../clients/nautobot-schemas.ts";
import { LostOwnershipError } from "../errors.ts";
import { PORT_RE } from "./app-args.ts";

/**
 * The service an app publishes on its host, as Nautobot records it (ipam.Service named after the app), so the
 * post-deploy probes cover it: its TCP host ports, or its UDP ones when it has no TCP port. Nautobot keeps
 * one protocol per service and one service of a name per host; other protocols' ports are not recorded.
 */
export function serviceOf(entry: AppEntry): { protocol: "tcp" | "udp"; ports: number[] } | undefined {
  const by = { tcp: [] as number[], udp: [] as number[] };
  for (const p of entry.ports ?? []) {
    const m = PORT_RE.exec(p);
    const proto = (m?.[4] ?? "tcp") as string;
    if (m && (proto === "tcp" || proto === "udp") && !by[proto].includes(Number(m[1]))) by[proto].push(Number(m[1]));
  }
  if (by.tcp.length) return { protocol: "tcp", ports: by.tcp };
  if (by.udp.length) return { protocol: "udp", ports: by.udp };
  return undefined;
}

/**
 * Makes Nautobot's service `<app>` on the app's host match its entry (`undefined`: the app is gone): created,
 * changed or deleted, after reading what is there, so a retry does no second write. Returns what it did.
 */
export async function syncAppService(nb: NautobotClient, app: string, host: string, entry: AppEntry | undefined, signal?: AbortSignal): Promise<string> {
  const h = await nb.findHost(host, { signal });
  if (!h) return `${host} is not in Nautobot: no service recorded for \`${app}\`.`;
  const existing = (await nb.listServices(h.id, h.kind, { signal })).find((s) => s.name === app);
  const want = entry ? serviceOf(entry) : undefined;
  const label = (s: { protocol: string; ports: number[] }) => `${s.protocol}/${s.ports.join(", ")}`;
  if (!want) {
    if (!existing) return entry ? `\`${app}\` publishes no port: no service recorded in Nautobot, nothing to probe.` : `No service \`${app}\` was recorded on ${host} in Nautobot.`;
    await nb.deleteService(existing.id, { signal });
    return `Service \`${app}\` (${label(existing)}) deleted from ${host} in Nautobot.`;
  }
  if (!existing) {
    await nb.createService({ hostId: h.id, kind: h.kind, name: app, ...want, description: "Recorded by labops from app_list" }, { signal });
    return `Service \`${app}\` (${label(want)}) recorded on ${host} in Nautobot: post-deploy probes cover it.`;
  }
  if (existing.protocol === want.protocol && JSON.stringify(existing.ports) === JSON.stringify(want.ports)) return `Service \`${app}\` (${label(want)}) is recorded on ${host} in Nautobot.`;
  await nb.updateService(existing.id, want, { signal });
  return `Service \`${app}\` on ${host} in Nautobot: ${label(existing)} → ${label(want)}.`;
}

/** syncAppService as one step of a job: the app_list change stands either way, so a failure here is a warning. */
export async function serviceStep(nb: NautobotClient, app: string, host: string, entry: AppEntry | undefined, signal?: AbortSignal): Promise<{ ok: boolean; line: string }> {
  try {
    return { ok: true, line: await syncAppService(nb, app, host, entry, signal) };
  } catch (err) {
    if (err instanceof LostOwnershipError || signal?.aborted) throw err;
    return { ok: false, line: `Could not update service \`${app}\` on ${host} in Nautobot (${(err as Error).message.slice(0, 200)}); post-deploy probes may not match it.` };
  }
}
