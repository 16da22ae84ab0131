import { atLeast, versionParts, type SystemVersion } from "./system-version.ts";

/** AAP's controller version per platform release (Red Hat's AAP life cycle: 2.4 ships controller 4.5, 2.5 ships 4.6, 2.6 ships 4.7). */
const AAP_RELEASE: Record<string, string> = { "4.5": "2.4", "4.6": "2.5", "4.7": "2.6" };

/**
 * Classifies a controller from its `X-API-Product-Name`/`-Version` (or ping's `version`). Supported: AWX 23–24
 * (and AWX devel builds, Ascender), AAP 2.4 (controller 4.5) and AAP 2.5+ (controller 4.6+, behind the gateway).
 */
export function aapVersion(product: string, version: string, apiPath: string): { version: SystemVersion; gateway: boolean } {
  const [major, minor] = versionParts(version);
  const adapts = ["job lists without extra_vars: the details of candidate jobs are read"];
  if (/automation platform/i.test(product)) {
    const release = AAP_RELEASE[`${major}.${minor}`] ?? (atLeast(version, 4, 8) ? "2.6+" : undefined);
    const gateway = atLeast(version, 4, 6);
    const label = `AAP ${release ?? "?"} (controller ${version})`;
    if (!atLeast(version, 4, 5)) {
      return { gateway, version: { system: "aap", product, version, label, supported: false, adapts: [], unsupported: `${label} is not supported: labops supports AAP 2.4 (controller 4.5) and AAP 2.5+ (controller 4.6+), and AWX 23–24.` } };
    }
    if (gateway && !apiPath.startsWith("/api/controller/")) {
      return { gateway, version: { system: "aap", product, version, label, supported: false, adapts: [], unsupported: `${label} runs behind the platform gateway: set AAP_API_PATH=/api/controller/v2/ and use a gateway token.` } };
    }
    if (gateway) adapts.unshift("platform gateway: API at /api/controller/v2/, job pages at /execution/jobs/playbook/{id}/output");
    return { gateway, version: { system: "aap", product, version, label, supported: true, adapts } };
  }
  const label = `${product || "AWX"} ${version || "(version unknown)"}`;
  const isAwx = /^awx$/i.test(product) || product === "";
  if (isAwx && (Number.isNaN(major) || major < 23)) {
    return { gateway: false, version: { system: "aap", product, version, label, supported: false, adapts: [], unsupported: `${label} is not supported: labops supports AWX 23–24 (and later AWX builds), AAP 2.4 and AAP 2.5+.` } };
  }
  return { gateway: false, version: { system: "aap", product: product || "AWX", version, label, supported: true, adapts } };
}
