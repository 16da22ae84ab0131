/**
 * What a client found out about its server when it connected: the product and version it reports, whether
 * labops supports it (docs/COMPATIBILITY.md), and what labops adapts to on it.
 */
export interface SystemVersion {
  system: "aap" | "nautobot" | "proxmox" | "truenas";
  /** As the server names itself, e.g. "AWX", "Red Hat Ansible Automation Platform", "Nautobot". */
  product: string;
  /** As the server reports it, e.g. "24.6.1", "4.6.13", "2.4.36". */
  version: string;
  /** Short human label, e.g. "AAP 2.5 (controller 4.6.13)". */
  label: string;
  supported: boolean;
  /** Why not, naming the supported range; set when `supported` is false. */
  unsupported?: string | undefined;
  /** What labops does differently on this version (for /status and the log). */
  adapts: string[];
}

/** [major, minor, patch] of a dotted version, NaN where absent; "24.6.2.dev1" → [24, 6, 2]. */
export function versionParts(v: string): [number, number, number] {
  const m = /(\d+)(?:\.(\d+))?(?:\.(\d+))?/.exec(v);
  return m ? [Number(m[1]), Number(m[2] ?? 0), Number(m[3] ?? 0)] : [Number.NaN, Number.NaN, Number.NaN];
}

/** a >= b for [major, minor, patch]. */
export function atLeast(v: string, major: number, minor = 0, patch = 0): boolean {
  const [a, b, c] = versionParts(v);
  return a !== major ? a > major : b !== minor ? b > minor : c >= patch;
}

/** Nautobot 2.0–2.4 and 3.x are supported (the Git sync answer names its JobResult from 2.4.2 on; 3.x leaves many-to-many fields out). */
export function nautobotVersion(release: string): SystemVersion {
  const label = `Nautobot ${release || "(version unknown)"}`;
  const base = { system: "nautobot" as const, product: "Nautobot", version: release, label };
  const [major] = versionParts(release);
  if (!(major === 2 || major === 3)) {
    return { ...base, supported: false, adapts: [], unsupported: `${label} is not supported: labops supports Nautobot 2.0–2.4 and 3.x.` };
  }
  const adapts = [`API version pinned to ${versionParts(release).slice(0, 2).join(".")}`];
  if (!atLeast(release, 2, 4, 2)) adapts.push("Git sync answer without job_result: the JobResult is looked up among the sync job's results");
  if (major >= 3) adapts.push("many-to-many fields left out by default: labops reads none");
  return { ...base, supported: true, adapts };
}

/** Proxmox VE 8 and 9 are supported; an API token may set only the `nesting` container feature on both. */
export function proxmoxVersion(version: string): SystemVersion {
  const label = `Proxmox VE ${version || "(version unknown)"}`;
  const base = { system: "proxmox" as const, product: "Proxmox VE", version, label };
  const [major] = versionParts(version);
  if (major !== 8 && major !== 9) return { ...base, supported: false, adapts: [], unsupported: `${label} is not supported: labops supports Proxmox VE 8 and 9.` };
  return { ...base, supported: true, adapts: ["runners get features nesting=1 (the only feature an API token may set)"] };
}

/** TrueNAS SCALE 24.10, 25.04 and 25.10 are supported. */
export function truenasVersion(version: string): SystemVersion {
  const label = `TrueNAS SCALE ${version || "(version unknown)"}`;
  const base = { system: "truenas" as const, product: "TrueNAS SCALE", version, label };
  if (!atLeast(version, 24, 10) || versionParts(version)[0]! > 25) {
    return { ...base, supported: false, adapts: [], unsupported: `${label} is not supported: labops supports TrueNAS SCALE 24.10, 25.04 and 25.10.` };
  }
  const adapts = [atLeast(version, 25, 10) ? "snapshots with pool.snapshot.*" : "snapshots with zfs.snapshot.*"];
  adapts.push(atLeast(version, 25, 4) ? "login with auth.login_ex (API_KEY_PLAIN and the key's owner)" : "login with auth.login_with_api_key");
  return { ...base, supported: true, adapts };
}
