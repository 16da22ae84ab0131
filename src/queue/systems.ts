import type { WorkerDeps } from "./worker-deps.ts";

/**
 * The systems a processor may declare (`needs`, `uses`), each an optional entry of WorkerDeps (absent: not
 * configured), with what the person is told when a job needs one that is missing.
 */
export const SYSTEMS = {
  aap: { name: "AAP", setting: "set AAP_URL and AAP_TOKEN" },
  nautobot: { name: "Nautobot", setting: "set NAUTOBOT_URL and NAUTOBOT_TOKEN" },
  proxmox: { name: "Proxmox", setting: "set PROXMOX_URL and PROXMOX_TOKEN" },
  truenas: { name: "TrueNAS", setting: "set TRUENAS_URL and TRUENAS_API_KEY" },
  github: { name: "GitHub", setting: "set GITHUB_RUNNER_URL and GITHUB_TOKEN" },
  gitops: { name: "GitOps", setting: "set GIT_REMOTE, keep gitops.enabled, and give it a channel: gitops.channel or an alert channel" },
  schedules: { name: "Scheduling", setting: "this worker was started without schedules" },
} as const satisfies { [K in keyof WorkerDeps]?: { name: string; setting: string } };

export type System = keyof typeof SYSTEMS;
const SYSTEM_KEYS = Object.keys(SYSTEMS) as System[];

/** What a processor's `run` gets: the worker's shared dependencies, its needed systems (present), its used ones (maybe). */
export type ProcessorDeps<Need extends System = never, Use extends System = never> = Omit<WorkerDeps, System> & {
  [K in Need]: NonNullable<WorkerDeps[K]>;
} & { [K in Use]?: WorkerDeps[K] };

/** The systems among `needs` that this worker does not have configured. */
export function missingSystems(deps: WorkerDeps, needs: readonly System[]): System[] {
  return needs.filter((k) => !deps[k]);
}

/** What the person is told about a job whose needed systems are missing: which, and how to configure them. */
export function notConfigured(missing: readonly System[]): string {
  if (missing.length === 1) return `${SYSTEMS[missing[0]!].name} is not configured in this labops (${SYSTEMS[missing[0]!].setting})`;
  return `${missing.map((k) => `${SYSTEMS[k].name} (${SYSTEMS[k].setting})`).join(" and ")} are not configured in this labops`;
}

/**
 * The dependencies a processor declared and no other system: `needs` were checked present by missingSystems,
 * so the result is the ProcessorDeps the processor's type promises.
 */
export function grantSystems(deps: WorkerDeps, needs: readonly System[], uses: readonly System[] = []): ProcessorDeps<System, System> {
  const granted: WorkerDeps = { ...deps };
  for (const k of SYSTEM_KEYS) if (!needs.includes(k) && !uses.includes(k)) delete granted[k];
  return granted as ProcessorDeps<System, System>;
}
