import { readFileSync } from "node:fs";
import { parse } from "yaml";
import type { FakeHostVars } from "./options.ts";
import { LAB_HOSTS } from "../homelab.ts";

const REPO_ROOT = new URL("../../", import.meta.url);

function contextData(file: string): Record<string, unknown> {
  const data = parse(readFileSync(new URL(file, REPO_ROOT), "utf8")) as Record<string, unknown>;
  const { _metadata: _, ...rest } = data;
  return rest;
}

/**
 * Host vars of the seeded homelab without a fake Nautobot behind the inventory: each host's role and the
 * repository's app_list (every host) and docker-host contexts (Docker hosts), as Nautobot would render them.
 */
export function seededHostVars(host: string): FakeHostVars | undefined {
  const h = LAB_HOSTS.find((x) => x.name === host);
  if (!h) return undefined;
  const roleContext = h.role === "docker-host" ? contextData("config_contexts/roles/docker-host.yml") : {};
  return { role: h.role, config_context: { ...contextData("config_contexts/app_list.yml"), ...roleContext } };
}
