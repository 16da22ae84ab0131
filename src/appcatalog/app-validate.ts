import { appEntrySchema, type AppEntry } from "../clients/nautobot-schemas.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import { closeMatches } from "../suggest.ts";
import { UserError } from "../errors.ts";
import { ENV_RE, PORT_RE, type AppAddArgs, type AppSetArgs } from "./app-args.ts";
import { entryProblems, type AppPolicy } from "./app-policy.ts";

/** `[registry[:port]/]path[:tag][@sha256:digest]`, lowercase path components as the OCI distribution spec says. */
const IMAGE_RE =
  /^(?:(?<registry>[a-z0-9.-]+(?::[0-9]+)?)\/)?(?<path>[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/** deploy.latestTag: what to do with an image tagged `latest` or untagged (which Docker reads as `latest`). */
export type LatestTagPolicy = "warn" | "refuse" | "allow";

/**
 * Checks an image reference: well formed, and pinned (a tag other than `latest`, or a digest) unless the
 * policy lets a moving tag through: `allow` always, `warn` only with `--allow-latest` (then `warning` says
 * what it costs), `refuse` never. Returns the problem, or the warning to show, or neither.
 */
export function imageCheck(image: string, o: { latestTag?: LatestTagPolicy | undefined; allowLatest?: boolean | undefined } = {}): { problem?: string; warning?: string } {
  const m = IMAGE_RE.exec(image);
  if (!m?.groups) return { problem: `\`${image}\` is not an image reference (expected e.g. \`ghcr.io/org/app:v1.2.3\`, lowercase).` };
  const { tag, digest } = m.groups;
  if (digest || (tag && tag !== "latest")) return {};
  const what = tag ? `\`${image}\` uses \`latest\`` : `\`${image}\` has no tag (Docker reads it as \`latest\`)`;
  const pin = `pin a version, e.g. \`${tag ? image.slice(0, -":latest".length) : image}:1.0.0\``;
  const policy = o.latestTag ?? "refuse";
  if (policy === "allow") return {};
  if (policy === "refuse") return { problem: `${what}: ${pin}, so deploys are repeatable (deploy.latestTag is refuse).` };
  if (!o.allowLatest) return { problem: `${what}: ${pin}, so deploys are repeatable, or add \`--allow-latest\` to accept a moving tag.` };
  return { warning: `${what}: a redeploy may run another version, and \`/deploy\` does not pull a newer \`latest\` by itself.` };
}

/** The problem with an image under the strictest policy (a moving tag is refused), or undefined. */
export function imageProblem(image: string): string | undefined {
  return imageCheck(image).problem;
}

export interface AppValidationPolicy extends AppPolicy {
  latestTag?: LatestTagPolicy | undefined;
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
  policy: AppValidationPolicy,
  signal?: AbortSignal,
): Promise<AppEntry> {
  const existing = apps[args.app];
  if (existing) {
    throw new UserError("app_exists", `App \`${args.app}\` is already in app_list (${existing.image} on ${existing.host}). Change it with \`/app set ${args.app}\`, or pick another name.`);
  }
  const bad = imageCheck(args.image, { latestTag: policy.latestTag, allowLatest: args.allowLatest }).problem;
  if (bad) throw new UserError("app_bad_image", bad);
  await requireDockerHost(nautobot, args.host, policy, signal);
  for (const h of args.alternateHost) {
    if (h === args.host) throw new UserError("app_bad_host", `\`${h}\` is the app's own host; \`--alternate-host\` names other Docker hosts.`);
    await requireDockerHost(nautobot, h, policy, signal);
  }
  checkPortClashes(args.app, args.host, args.port, apps);
  const env = envMap(args.env);
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
  return checkedEntry(entry, policy);
}

/** The policy of app-policy.ts and the app_list schema, on a whole entry; elevated options were authorised before. */
function checkedEntry(entry: Record<string, unknown>, policy: AppPolicy): AppEntry {
  const problems = entryProblems(entry, policy, { allowElevated: true });
  if (problems.length) throw new UserError("app_refused", `Refused: ${problems.join("; ")}. Nothing was committed.`);
  const parsed = appEntrySchema.safeParse(entry);
  if (!parsed.success) throw new UserError("app_invalid", `The new entry is invalid: ${parsed.error.issues[0]?.message ?? "?"}.`);
  return parsed.data;
}

function envMap(list: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const kv of list) {
    const [, key, value] = ENV_RE.exec(kv)!;
    if (key! in env) throw new UserError("app_bad_env", `Environment variable \`${key}\` is given twice.`);
    env[key!] = value!;
  }
  return env;
}

/**
 * `/app set`: the app's current entry with the given fields replaced (or cleared), validated as `/app add`
 * validates a new one: image and its tag policy, host ports free on its host, host paths, no templates.
 * Returns the new entry and what changed; a change that changes nothing is refused. Elevated options the
 * entry already has stay, and the caller checks that whoever asked may keep them.
 */
export function buildChangedApp(
  args: AppSetArgs,
  apps: Record<string, AppEntry>,
  policy: AppValidationPolicy,
): { entry: AppEntry; changed: string[]; warning?: string | undefined } {
  const current = apps[args.app];
  if (!current) throw new UserError("unknown_app", `No app \`${args.app}\` in app_list. Add it with \`/app add ${args.app}\`.`);
  const next: Record<string, unknown> = structuredClone(current) as Record<string, unknown>;
  let warning: string | undefined;
  if (args.image !== undefined) {
    const c = imageCheck(args.image, { latestTag: policy.latestTag, allowLatest: args.allowLatest });
    if (c.problem) throw new UserError("app_bad_image", c.problem);
    warning = c.warning;
    next.image = args.image;
  }
  const put = (key: "ports" | "volumes" | "env", value: unknown, empty: boolean) => {
    if (empty) delete next[key];
    else next[key] = value;
  };
  for (const field of args.clear) {
    const given = { ports: args.port, volumes: args.volume, env: args.env }[field];
    if (given) throw new UserError("bad_args", `\`--clear ${field}\` and new ${field} were both given; give one.`);
    delete next[field];
  }
  if (args.port) {
    checkPortClashes(args.app, current.host, args.port, apps);
    put("ports", args.port, args.port.length === 0);
  }
  if (args.volume) put("volumes", args.volume, args.volume.length === 0);
  if (args.env) put("env", envMap(args.env), args.env.length === 0);
  const changed = (["image", "ports", "volumes", "env"] as const).filter((k) => JSON.stringify(next[k]) !== JSON.stringify((current as Record<string, unknown>)[k]));
  if (!changed.length) throw new UserError("app_unchanged", `\`${args.app}\` already has ${args.image ? `image ${args.image}` : "these values"}: nothing to change.`);
  return { entry: checkedEntry(next, policy), changed, warning };
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

/** No host port of `ports` is published on `host` by another app of app_list, nor given twice. */
function checkPortClashes(app: string, host: string, ports: readonly string[], apps: Record<string, AppEntry>): void {
  const seen = new Map<string, string>();
  const key = (p: string) => {
    const m = PORT_RE.exec(p)!;
    return `${m[1]}/${m[4] ?? "tcp"}`;
  };
  for (const [name, other] of Object.entries(apps)) {
    if (other.host !== host || name === app) continue;
    for (const p of other.ports ?? []) if (PORT_RE.test(p)) seen.set(key(p), name);
  }
  const mine = new Set<string>();
  for (const p of ports) {
    const k = key(p);
    const owner = seen.get(k);
    if (owner) throw new UserError("app_port_taken", `Host port ${k} on ${host} is already published by \`${owner}\`; pick another host port (e.g. --port ${nextFree(k, seen)}:${PORT_RE.exec(p)![2]}).`);
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
