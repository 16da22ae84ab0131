import type { AppEntry } from "../clients/nautobot-schemas.ts";

/** One line per app: "`grafana` · grafana/grafana:11.2.0 on docker01 · 3000:3000". */
export function appLine(name: string, a: AppEntry): string {
  const ports = a.ports?.length ? ` · ${a.ports.join(", ")}` : "";
  return `\`${name}\` · ${a.image} on ${a.host}${ports}`;
}

/** Every field of one app, as label/value pairs. */
export function appFields(a: AppEntry): { label: string; value: string }[] {
  const fields = [
    { label: "host", value: a.host },
    { label: "image", value: a.image },
  ];
  if (a.ports?.length) fields.push({ label: "ports", value: a.ports.join(", ") });
  if (a.volumes?.length) fields.push({ label: "volumes", value: a.volumes.join(", ") });
  const env = Object.entries(a.env ?? {});
  if (env.length) fields.push({ label: "env", value: env.map(([k, v]) => `${k}=${v}`).join(", ") });
  if (a.networks?.length) fields.push({ label: "networks", value: a.networks.join(", ") });
  if (a.healthcheck?.url) fields.push({ label: "healthcheck", value: `${a.healthcheck.url}${a.healthcheck.timeout ? ` (${a.healthcheck.timeout} s)` : ""}` });
  return fields;
}
