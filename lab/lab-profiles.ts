/**
 * Profiles of the simulated lab: which version of each system the fakes play. Every supported version of
 * every system is in at least one profile (docs/COMPATIBILITY.md has the matrix and what differs).
 * `npm run lab -- --profile aap-2.5`, `npm run demo -- --profile aap-2.5`, and `LAB_PROFILE=aap-2.5` for the tests.
 */

export interface AapProfile {
  /** `X-API-Product-Name` / `-Version` and `ping`'s version. */
  product: { name: string; version: string };
  /** `/api/v2/` (AWX, AAP 2.4) or `/api/controller/v2/` (AAP 2.5+ behind the platform gateway). */
  apiPath: string;
  /** AAP 2.5+: the platform gateway in front (`/api/gateway/v1/`: ping, tokens); the token is a gateway token. */
  gateway: boolean;
  /** false: job lists leave out `extra_vars` (AWX after PR #16461, Ascender); the detail still has them. */
  listExtraVars: boolean;
}

export interface LabProfile {
  name: string;
  summary: string;
  aap: AapProfile;
  /** Nautobot release, e.g. "2.4.36"; the API version is its major.minor. */
  nautobot: { version: string };
  /** `GET /version`; `legacyErrors`: error bodies without `message` (pve-http-server < 5.2.0). */
  proxmox: { version: string; release: string; legacyErrors: boolean };
  /** `system.version_short`; the API key's owner (keys are user-linked from 25.04). */
  truenas: { version: string; keyOwner: string };
}

const AWX = "AWX";
const AAP = "Red Hat Ansible Automation Platform";

export const LAB_PROFILES: readonly LabProfile[] = [
  {
    name: "awx-24",
    summary: "AWX 24.6, Nautobot 2.4, Proxmox VE 9.1, TrueNAS SCALE 25.10 (the default)",
    aap: { product: { name: AWX, version: "24.6.1" }, apiPath: "/api/v2/", gateway: false, listExtraVars: true },
    nautobot: { version: "2.4.36" },
    proxmox: { version: "9.1.3", release: "9.1", legacyErrors: false },
    truenas: { version: "25.10.1", keyOwner: "labops" },
  },
  {
    name: "awx-23",
    summary: "AWX 23.9, Nautobot 2.0, Proxmox VE 8.2, TrueNAS SCALE 24.10",
    aap: { product: { name: AWX, version: "23.9.0" }, apiPath: "/api/v2/", gateway: false, listExtraVars: true },
    nautobot: { version: "2.0.6" },
    proxmox: { version: "8.2.4", release: "8.2", legacyErrors: true },
    truenas: { version: "24.10.2", keyOwner: "root" },
  },
  {
    name: "aap-2.4",
    summary: "AAP 2.4 (controller 4.5), Nautobot 2.3, Proxmox VE 8.4, TrueNAS SCALE 25.04",
    aap: { product: { name: AAP, version: "4.5.15" }, apiPath: "/api/v2/", gateway: false, listExtraVars: true },
    nautobot: { version: "2.3.16" },
    proxmox: { version: "8.4.1", release: "8.4", legacyErrors: false },
    truenas: { version: "25.04.2", keyOwner: "labops" },
  },
  {
    name: "aap-2.5",
    summary: "AAP 2.5 behind the platform gateway (controller 4.6), Nautobot 2.4.1, Proxmox VE 9.0, TrueNAS SCALE 25.10",
    aap: { product: { name: AAP, version: "4.6.13" }, apiPath: "/api/controller/v2/", gateway: true, listExtraVars: true },
    nautobot: { version: "2.4.1" },
    proxmox: { version: "9.0.10", release: "9.0", legacyErrors: false },
    truenas: { version: "25.10.1", keyOwner: "labops" },
  },
  {
    name: "awx-next",
    summary: "AWX after PR #16461 / Ascender (job lists without extra_vars), Nautobot 3.0, Proxmox VE 9.1, TrueNAS SCALE 25.04",
    aap: { product: { name: AWX, version: "24.6.2.dev1" }, apiPath: "/api/v2/", gateway: false, listExtraVars: false },
    nautobot: { version: "3.0.4" },
    proxmox: { version: "9.1.3", release: "9.1", legacyErrors: false },
    truenas: { version: "25.04.2", keyOwner: "labops" },
  },
];

export const DEFAULT_PROFILE = "awx-24";

/** The profile named `name` (default awx-24); an unknown name is an error listing the known ones. */
export function labProfile(name: string | undefined): LabProfile {
  const wanted = name && name.trim() ? name.trim() : DEFAULT_PROFILE;
  const found = LAB_PROFILES.find((p) => p.name === wanted);
  if (!found) throw new Error(`unknown lab profile "${wanted}"; known: ${LAB_PROFILES.map((p) => p.name).join(", ")}`);
  return found;
}

/** `--profile X` or `--profile=X` from argv, if given. */
export function profileArg(argv: readonly string[]): string | undefined {
  const i = argv.findIndex((a) => a === "--profile" || a.startsWith("--profile="));
  if (i < 0) return undefined;
  const a = argv[i]!;
  return a.includes("=") ? a.slice(a.indexOf("=") + 1) : argv[i + 1];
}
