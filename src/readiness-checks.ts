import type { Labops } from "./create-labops.ts";
import type { ReadinessCheck } from "./http/health-routes.ts";

/** /readyz: Redis, and one cheap authenticated call to each configured backend. */
export function readinessChecks(labops: Labops): Record<string, ReadinessCheck> {
  const { aap, nautobot, proxmox, truenas } = labops.clients;
  const s = labops.config;
  const checks: Record<string, ReadinessCheck> = {
    redis: async () => {
      if ((await labops.redis.ping()) !== "PONG") throw new Error("no PONG");
    },
  };
  if (labops.workerConnected() !== undefined) {
    checks.worker = async () => {
      if (!labops.workerConnected()) throw new Error("the worker's Redis connection is down");
    };
  }
  // A backend whose detected version labops does not support is not ready, and says why.
  const supported = async (system: string) => {
    const e = (await labops.versions.read())[system];
    if (e?.supported === false) throw new Error(e.unsupported ?? `${e.label} is not supported`);
  };
  if (aap) checks.aap = async (signal) => void (await supported("aap"), await aap.findProject(s.aapSettings.project, { signal }));
  if (nautobot) checks.nautobot = async (signal) => void (await supported("nautobot"), await nautobot.getGitRepository(s.nautobotSettings.gitRepository, { signal }));
  if (proxmox) checks.proxmox = async (signal) => void (await supported("proxmox"), await proxmox.version({ signal }));
  if (truenas) checks.truenas = async (signal) => void (await supported("truenas"), await truenas.stat(s.truenasSettings.share, { signal }));
  return checks;
}

/** /readyz's `versions`: what the background detection found, by system (read from Redis). */
export function readinessVersions(labops: Labops): () => Promise<Record<string, unknown>> {
  return async () => {
    const entries = await labops.versions.read();
    return Object.fromEntries(Object.entries(entries).map(([k, e]) => [k, e.error ? { error: e.error } : { version: e.label, supported: e.supported, ...(e.unsupported ? { unsupported: e.unsupported } : {}) }]));
  };
}
