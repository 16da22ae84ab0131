import { appEntrySchema, type AppEntry } from "../clients/nautobot-schemas.ts";
import type { NautobotClient } from "../clients/nautobot.ts";
import { closeMatches } from "../core/suggest.ts";
import { UserError } from "../errors.ts";
import { ENV_RE, PORT_RE, type AppAddArgs } from "./app-args.ts";

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
 * knows (with close matches when it does not), env as a map, and no host port already published by
 * another app on the same host. Every problem is a UserError the person can act on; nothing is written.
 */
export async function buildNewApp(
  args: AppAddArgs,
  apps: Record<string, AppEntry>,
  nautobot: NautobotClient,
  signal?: AbortSignal,
): Promise<AppEntry> {
  const existing = apps[args.app];
  if (existing) {
    throw new UserError("app_exists", `App \`${args.app}\` is already in app_list (${existing.image} on ${existing.host}). Remove it first with \`/app remove ${args.app}\`, or pick another name.`);
  }
  const bad = imageProblem(args.image);
  if (bad) throw new UserError("app_bad_image", bad);
  await requireHost(nautobot, args.host, signal);
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
  };
  const parsed = appEntrySchema.safeParse(entry);
  if (!parsed.success) throw new UserError("app_invalid", `The new entry is invalid: ${parsed.error.issues[0]?.message ?? "?"}.`);
  return parsed.data;
}

async function requireHost(nautobot: NautobotClient, host: string, signal?: AbortSignal): Promise<void> {
  if (await nautobot.findHost(host, { signal })) return;
  const names = (await nautobot.listHosts({ signal })).map((h) => h.name);
  const near = closeMatches(host, names);
  const hint = near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : "";
  throw new UserError("app_unknown_host", `No device or VM \`${host}\` in Nautobot.${hint}`);
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
