import { appEntrySchema, type AppEntry } from "../clients/nautobot-schemas.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import { closeMatches } from "../suggest.ts";
import { UserError } from "../errors.ts";
import { ENV_RE, PORT_RE, type AppAddArgs } from "./app-args.ts";
import { entryProblems, type AppPolicy } from "./app-policy.ts";

/** `[registry[:port]/]path[:tag][@sha256:digest]`, lowercase path components as the OCI distribution spec says. */
const IMAGE_RE =
  /^(?:(?<registry>[a-z0-9.-]+(?::[0-9]+)?)\/)?(?<path>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** Checks an image reference: well formed, pinned (a tag other than `latest`, or a digest). Returns a problem or undefined. */
export function imageProblem(image: string): string | undefined {
  const m = IMAGE_RE.exec(image);
  if (!m?.groups) return `\`${image}\` is not an image reference (expected e.g. \`ghcr.io/org/app:v1.2.3\`, lowercase).`;
  const { tag, digest } = m.groups;
  if (!tag && !digest) return `\`${image}\` has no tag: pin a version, e.g. \`${image}:1.0.0\`.`;
  if (tag === "latest" && !digest) return `\`${image}\` uses \`latest\`: pin a version so deploys are repeatable.`;
  return undefined;
}

/**
 * Builds and validates the app_list entry for `/app add`: a new name, a sane pinned image, a host Nautobot
 * knows with a Docker-host role (close matches when it does not), env as a map, no host port already
 * published by another app on the same host, and the policy of app-policy.ts (host paths, no templates).
 * Elevated options reach here only from an admin (handlers/app.ts). Every problem is a UserError; nothing is written.
 */
export async function buildNewApp(
  args: AppAddArgs,
  apps: Record<string, AppEntry>,
  nautobot: NautobotClient,
  policy: AppPolicy,
  signal?: AbortSignal,
): Promise<AppEntry> {
  const existing = apps[args.app];
  if (existing) {
    throw new UserError("app_exists", `App \`${args.app}\` is already in app_list (${existing.image} on ${existing.host}). Remove it first with \`/app remove ${args.app}\`, or pick another name.`);
  }
  const bad = imageProblem(args.image);
  if (bad) throw new UserError("app_bad_image", bad);
  await requireDockerHost(nautobot, args.host, policy, signal);
  for (const h of args.alternateHost) {
    if (h === args.host) throw new UserError("app_bad_host", `\`${h}\` is the app's own host; \`--alternate-host\` names other Docker hosts.`);
    await requireDockerHost(nautobot, h, policy, signal);
  }
  checkPortClashes(args, apps);
  const env: Record<string, string> = {};
  for (const kv of args.env) {
    const [, key, value] = ENV_RE.exec(kv)!;
    if (key! in env) throw new UserError("app_bad_env", `Environment variable \`${key}\` is given twice.`);
    env[key!] = value!;
  }
  const entry = {
    host: args.host,
    image: args.image,
    ...(args.port.length ? { ports: args.port } : {}),
    ...(args.volume.length ? { volumes: args.volume } : {}),
    ...(args.env.length ? { env } : {}),
    ...(args.network.length ? { networks: args.network } : {}),
    ...(args.alternateHost.length ? { alternate_hosts: args.alternateHost } : {}),
    ...(args.privileged ? { privileged: true } : {}),
    ...(args.capAdd.length ? { cap_add: args.capAdd } : {}),
    ...(args.hostNetwork ? { network_mode: "host" } : {}),
    ...(args.hostPid ? { pid_mode: "host" } : {}),
    ...(args.hostIpc ? { ipc_mode: "host" } : {}),
    ...(args.device.length ? { devices: args.device } : {}),
  };
  const problems = entryProblems(entry, policy, { allowElevated: true });
  if (problems.length) throw new UserError("app_refused", `Refused: ${problems.join("; ")}. Nothing was committed.`);
  const parsed = appEntrySchema.safeParse(entry);
  if (!parsed.success) throw new UserError("app_invalid", `The new entry is invalid: ${parsed.error.issues[0]?.message ?? "?"}.`);
  return parsed.data;
}

/**
 * The host must be a device or VM Nautobot knows, with one of the Docker-host roles: apps never go to a
 * hypervisor, the NAS or the firewall (Master Deploy runs them as root there).
 */
export async function requireDockerHost(nautobot: NautobotClient, host: string, policy: AppPolicy, signal?: AbortSignal): Promise<void> {
  const found = await nautobot.findHost(host, { signal });
  const all = found && found.role && policy.dockerHostRoles.includes(found.role) ? undefined : await nautobot.listHosts({ signal });
  if (!all) return;
  const docker = all.filter((h) => h.role && policy.dockerHostRoles.includes(h.role)).map((h) => h.name).sort();
  if (!found) {
    const near = closeMatches(host, all.map((h) => h.name));
    const hint = near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : "";
    throw new UserError("app_unknown_host", `No device or VM \`${host}\` in Nautobot.${hint}`);
  }
  throw new UserError(
    "app_not_docker_host",
    `\`${host}\` has the role ${found.role ? `\`${found.role}\`` : "(none)"} in Nautobot; apps run only on hosts with the role ${policy.dockerHostRoles.map((r) => `\`${r}\``).join(" or ")} (${docker.join(", ") || "none"}).`,
  );
}

function checkPortClashes(args: AppAddArgs, apps: Record<string, AppEntry>): void {
  const seen = new Map<string, string>();
  const key = (p: string) => {
    const m = PORT_RE.exec(p)!;
    return `${m[1]}/${m[4] ?? "tcp"}`;
  };
  for (const [name, app] of Object.entries(apps)) {
    if (app.host !== args.host) continue;
    for (const p of app.ports ?? []) if (PORT_RE.test(p)) seen.set(key(p), name);
  }
  const mine = new Set<string>();
  for (const p of args.port) {
    const k = key(p);
    const owner = seen.get(k);
    if (owner) throw new UserError("app_port_taken", `Host port ${k} on ${args.host} is already published by \`${owner}\`; pick another host port (e.g. --port ${nextFree(k, seen)}:${PORT_RE.exec(p)![2]}).`);
    if (mine.has(k)) throw new UserError("app_port_taken", `Host port ${k} is given twice.`);
    mine.add(k);
  }
}

function nextFree(k: string, seen: Map<string, string>): number {
  const [port, proto] = k.split("/");
  let n = Number(port) + 1;
  while (seen.has(`${n}/${proto}`)) n++;
  return n;
}
