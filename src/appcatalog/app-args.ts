import { z } from "zod";
import { TEMPLATE_MARKER_RE } from "./app-policy.ts";

/** Patterns of config_context_schemas/app_list.yml, so a bad value is refused before anything is committed. */
export const APP_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
export const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const PORT_RE = /^([0-9]{1,5}):([0-9]{1,5})(\/(tcp|udp|sctp))?$/;
export const VOLUME_RE = /^[^:\s]+:\/[^:\s]*(:(ro|rw))?$/;
export const ENV_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
export const NETWORK_RE = /^[a-z0-9][a-z0-9_.-]*$/;
export const CAP_RE = /^(CAP_)?[A-Z][A-Z0-9_]*$/;
export const DEVICE_RE = /^\/dev\/[A-Za-z0-9][A-Za-z0-9_./-]*(:\/dev\/[A-Za-z0-9][A-Za-z0-9_./-]*)?(:[rwm]{1,3})?$/;
/** Ansible host patterns that name more than one host, or none of the Docker hosts: never a deploy target. */
export const NOT_A_HOST = ["all", "ungrouped", "localhost"];

/** Refuses Jinja markers, so a value typed in chat can never become a template in Ansible. */
export const plain = <T extends z.ZodType<string>>(s: T) =>
  s.refine((v) => !TEMPLATE_MARKER_RE.test(v), "must not contain {{, {% or {# (app_list values are data, never templates)");

/** One exact inventory host name: no patterns (`*`, `:`, `,`, `!`, `&`, `~`), not `all`. */
export const hostName = z
  .string()
  .regex(HOST_RE, "one host name (letters, digits, . _ -; no patterns)")
  .refine((h) => !NOT_A_HOST.includes(h.toLowerCase()), "one host name, not a group such as all");

const appName = z.string().regex(APP_NAME_RE, "an app name: lowercase letters, digits, - and _").describe("App name");

/** `3000` (or `3000/udp`) publishes the same port: `3000:3000`. */
export const SAME_PORT_RE = /^([0-9]{1,5})(\/(tcp|udp|sctp))?$/;
export const expandPort = (p: string) => p.replace(SAME_PORT_RE, (_, n: string, proto = "") => `${n}:${n}${proto}`);

const port = z
  .string()
  .transform(expandPort)
  .pipe(
    z.string()
      .regex(PORT_RE, "a port mapping HOST:CONTAINER, e.g. 3002:3000, or one port for both, e.g. 3000 (optionally /tcp or /udp)")
      .refine((p) => {
        const m = PORT_RE.exec(p); // zod v4 runs this even when the regex failed
        return !m || [m[1], m[2]].every((n) => Number(n) >= 1 && Number(n) <= 65535);
      }, "ports must be between 1 and 65535"),
  );
const volume = plain(z.string().regex(VOLUME_RE, "a volume: name:/path or /host/path:/path, optionally :ro or :rw"));
const envVar = plain(z.string().regex(ENV_RE, "an environment variable KEY=VALUE"));
const image = plain(z.string().min(1));
const allowLatest = z.boolean().default(false).describe("Accept an image tagged latest (or untagged) when deploy.latestTag is warn");

export const appListArgs = z.object({});
export const appShowArgs = z.object({ app: appName });
export const appRemoveArgs = z.object({
  app: appName,
  keepContainer: z.boolean().default(false).describe("Only drop the entry from app_list; leave the container running"),
});

/** `/app add <app> --image I --host H [--port P ...] [--volume V ...] [--env K=V ...] [--network N ...]` */
export const appAddArgs = z.object({
  app: appName,
  image: image.describe("Image reference with a pinned tag, e.g. ghcr.io/org/app:v1.2"),
  host: hostName.describe("Docker host (Nautobot device or VM with a Docker-host role)"),
  port: z.array(port).default([]).describe("Published port HOST:CONTAINER (3000 means 3000:3000)"),
  volume: z.array(volume).default([]).describe("Volume"),
  env: z.array(envVar).default([]).describe("Environment variable KEY=VALUE"),
  network: z.array(z.string().regex(NETWORK_RE, "a Docker network name")).default([]).describe("Docker network"),
  alternateHost: z.array(hostName).default([]).describe("Another Docker host `/deploy --host` may put the app on"),
  // Elevated options: admin only (handlers/app.ts refuses them for anyone else before anything is queued).
  privileged: z.boolean().default(false).describe("Privileged mode (admin only)"),
  capAdd: z.array(z.string().regex(CAP_RE, "a Linux capability, e.g. NET_ADMIN")).default([]).describe("Added capability (admin only)"),
  hostNetwork: z.boolean().default(false).describe("Share the host's network: network_mode host (admin only)"),
  hostPid: z.boolean().default(false).describe("Share the host's PID namespace (admin only)"),
  hostIpc: z.boolean().default(false).describe("Share the host's IPC namespace (admin only)"),
  device: z.array(z.string().regex(DEVICE_RE, "a device /dev/X[:/dev/Y][:rwm]")).default([]).describe("Device mount (admin only)"),
  allowLatest,
});
export type AppAddArgs = z.output<typeof appAddArgs>;

/**
 * `/app set <app> [--image I] [--port P ...] [--volume V ...] [--env K=V ...]`: each option given replaces that
 * field of the entry (all its ports, all its volumes, all its env); `--clear` empties the fields it names.
 */
export const appSetArgs = z.object({
  app: appName,
  image: image.optional().describe("New image reference with a pinned tag"),
  port: z.array(port).optional().describe("Published ports, replacing the entry's (3000 means 3000:3000)"),
  volume: z.array(volume).optional().describe("Volumes, replacing the entry's"),
  env: z.array(envVar).optional().describe("Environment variables KEY=VALUE, replacing the entry's"),
  clear: z.array(z.enum(["ports", "volumes", "env"])).default([]).describe("Empty a field: ports, volumes or env"),
  allowLatest,
});
export type AppSetArgs = z.output<typeof appSetArgs>;

/** `/app restart <app> [--host H]` */
export const appRestartArgs = z.object({
  app: appName,
  host: hostName.optional().describe("The Docker host it runs on, when not its app_list host (one of its alternate_hosts)"),
});

/** `/app logs <app> [--lines N] [--host H]` */
export const appLogsArgs = z.object({
  app: appName,
  lines: z.coerce.number().int().min(1).max(1000).default(100).describe("How many of the last lines to read (1-1000; the chat shows the newest that fit)"),
  host: hostName.optional().describe("The Docker host it runs on, when not its app_list host (one of its alternate_hosts)"),
});

/** Whether `/app set` was given anything to change (checked at acknowledgement, so an empty change queues nothing). */
export const setsSomething = (a: AppSetArgs) => a.image !== undefined || !!a.port || !!a.volume || !!a.env || a.clear.length > 0;

/** The admin-only flags of `/app add` that were given, by their flag names. */
export function elevatedFlags(a: AppAddArgs): string[] {
  return [
    a.privileged && "--privileged", a.capAdd.length && "--cap-add", a.hostNetwork && "--host-network",
    a.hostPid && "--host-pid", a.hostIpc && "--host-ipc", a.device.length && "--device",
  ].filter((f): f is string => typeof f === "string");
}
