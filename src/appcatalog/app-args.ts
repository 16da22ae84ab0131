import { z } from "zod";

/** Patterns of config_context_schemas/app_list.yml, so a bad value is refused before anything is committed. */
export const APP_NAME_RE = /^[a-z0-9][a-z0-9_-]*$/;
export const HOST_RE = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const PORT_RE = /^([0-9]{1,5}):([0-9]{1,5})(\/(tcp|udp|sctp))?$/;
export const VOLUME_RE = /^[^:\s]+:\/[^:\s]*(:(ro|rw))?$/;
export const ENV_RE = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s;
export const NETWORK_RE = /^[a-z0-9][a-z0-9_.-]*$/;

const appName = z.string().regex(APP_NAME_RE, "an app name: lowercase letters, digits, - and _").describe("App name");

const port = z
  .string()
  .regex(PORT_RE, "a port mapping HOST:CONTAINER, e.g. 3002:3000 (optionally /tcp or /udp)")
  .refine((p) => {
    const m = PORT_RE.exec(p); // zod v4 runs this even when the regex failed
    return !m || [m[1], m[2]].every((n) => Number(n) >= 1 && Number(n) <= 65535);
  }, "ports must be between 1 and 65535");

export const appListArgs = z.object({});
export const appShowArgs = z.object({ app: appName });
export const appRemoveArgs = z.object({ app: appName });

/** `/app add <app> --image I --host H [--port P ...] [--volume V ...] [--env K=V ...] [--network N ...]` */
export const appAddArgs = z.object({
  app: appName,
  image: z.string().min(1).describe("Image reference with a pinned tag, e.g. ghcr.io/org/app:v1.2"),
  host: z.string().regex(HOST_RE, "a host name").describe("Docker host (Nautobot device or VM)"),
  port: z.array(port).default([]).describe("Published port HOST:CONTAINER"),
  volume: z.array(z.string().regex(VOLUME_RE, "a volume: name:/path or /host/path:/path, optionally :ro or :rw")).default([]).describe("Volume"),
  env: z.array(z.string().regex(ENV_RE, "an environment variable KEY=VALUE")).default([]).describe("Environment variable KEY=VALUE"),
  network: z.array(z.string().regex(NETWORK_RE, "a Docker network name")).default([]).describe("Docker network"),
});
export type AppAddArgs = z.output<typeof appAddArgs>;
