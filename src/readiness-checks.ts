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
  if (aap) checks.aap = async (signal) => void (await aap.findProject(s.aapSettings.project, { signal }));
  if (nautobot) checks.nautobot = async (signal) => void (await nautobot.getGitRepository(s.nautobotSettings.gitRepository, { signal }));
  if (proxmox) checks.proxmox = async (signal) => void (await proxmox.version({ signal }));
  if (truenas) checks.truenas = async (signal) => void (await truenas.stat(s.truenasSettings.share, { signal }));
  return checks;
}
