import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { loadContexts, loadSchemas, type LoadedContext } from "./datasource.ts";
import { unsupportedKeywords, validate, type JsonSchema } from "./json-schema.ts";
import { LAB_HOSTS, LAB_SHARE } from "../../lab/homelab.ts";
import { upstreamPath } from "../helpers/upstream.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const contexts = loadContexts(ROOT);
const schemas = new Map(loadSchemas(ROOT).map((s) => [s.name, s]));

function appListSchema(): JsonSchema {
  const s = schemas.get("app_list");
  if (!s) throw new Error("config_context_schemas has no app_list schema");
  return s.schema;
}

function appList(): Record<string, Record<string, unknown>> {
  const ctx = contexts.find((c) => c.metadata?.name === "app_list");
  return (ctx?.data.app_list ?? {}) as Record<string, Record<string, unknown>>;
}

describe("config_contexts (Nautobot Git data-source layout)", () => {
  it("loads every context file, explicit ones with _metadata.name", () => {
    const files = contexts.map((c) => c.file.slice(ROOT.length));
    expect(files).toEqual(expect.arrayContaining(["config_contexts/app_list.yml", "config_contexts/roles/docker-host.yml", "config_contexts/devices/truenas01.yml"]));
    for (const c of contexts.filter((x) => x.kind !== "local")) expect(typeof c.metadata?.name, c.file).toBe("string");
    const names = contexts.flatMap((c) => (c.metadata ? [c.metadata.name] : []));
    expect(new Set(names).size, "context names are unique").toBe(names.length);
  });

  it("scopes implicit and local contexts to objects the homelab has", () => {
    const roles = new Set(LAB_HOSTS.map((h) => h.role));
    for (const c of contexts.filter((x) => x.scope)) {
      const { folder, object } = c.scope!;
      if (folder === "roles") expect(roles.has(object), `${c.file}: role ${object}`).toBe(true);
      if (folder === "devices") expect(LAB_HOSTS.find((h) => h.name === object)?.kind, c.file).toBe("device");
      if (folder === "virtual_machines") expect(["vm", "lxc"]).toContain(LAB_HOSTS.find((h) => h.name === object)?.kind);
      if (c.kind === "local") expect(c.metadata, `${c.file}: local contexts carry no _metadata`).toBeUndefined();
    }
  });

  it("validates each context that names a config_context_schema against it", () => {
    const withSchema = contexts.filter((c) => c.metadata?.config_context_schema !== undefined);
    expect(withSchema.map((c) => c.metadata?.config_context_schema)).toEqual(expect.arrayContaining(["app_list", "docker_host"]));
    for (const c of withSchema) {
      const schema = schemas.get(String(c.metadata?.config_context_schema));
      expect(schema, `${c.file}: schema ${String(c.metadata?.config_context_schema)} exists`).toBeDefined();
      expect(validate(schema!.schema, c.data), c.file).toEqual([]);
    }
  });

  it("uses only JSON-Schema keywords the validator implements", () => {
    expect(schemas.size).toBeGreaterThanOrEqual(2);
    for (const s of schemas.values()) expect(unsupportedKeywords(s.schema), s.file).toEqual([]);
  });

  it("keeps app_list consistent with the homelab", () => {
    const apps = appList();
    expect(Object.keys(apps)).toEqual(expect.arrayContaining(["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "nextcloud", "vaultwarden"]));
    expect(apps.homepage, "homepage is added at runtime by /app add").toBeUndefined();
    expect(apps.traefik?.host).toBe("edge01");
    const used = new Map<string, string>();
    for (const [name, app] of Object.entries(apps)) {
      expect(LAB_HOSTS.find((h) => h.name === app.host)?.role, `${name} runs on a docker-host`).toBe("docker-host");
      for (const port of (app.ports ?? []) as string[]) {
        const key = `${String(app.host)}:${port.split(":")[0]}/${port.split("/")[1] ?? "tcp"}`;
        expect(used.get(key), `${name} and ${used.get(key)} both publish ${key}`).toBeUndefined();
        used.set(key, name);
      }
    }
  });

  it("points the cleanup share of truenas01 at the homelab's share", () => {
    const local = contexts.find((c) => c.scope?.folder === "devices" && c.scope.object === "truenas01") as LoadedContext;
    const truenas = local.data.truenas as Record<string, string>;
    expect(truenas.docker_media_share).toBe(LAB_SHARE.mountpoint);
    expect(truenas.docker_media_dataset).toBe(LAB_SHARE.dataset);
    const pattern = new RegExp(truenas.ocp_folder_pattern ?? "^$");
    expect(["ocp-sno01-2025-03-14", "ocp-lab-2024-11-30"].every((n) => pattern.test(n))).toBe(true);
    expect(["grafana", "ocp-sno01", "../ocp-a-2024-01-01", "ocp-sno01-2025-03-14/x"].some((n) => pattern.test(n))).toBe(false);
  });
});

describe("app_list schema rejects bad entries", () => {
  const good = { host: "docker01", image: "grafana/grafana:11.2.0", ports: ["3000:3000", "53:53/udp"], volumes: ["d:/data", "/opt/x:/x:ro"], env: { A: "1" }, networks: ["proxy"], healthcheck: { url: "http://localhost:3000", timeout: 30 } };
  const check = (app: unknown, name = "grafana") => validate(appListSchema(), { app_list: { [name]: app } });

  it("accepts a complete entry and a minimal one", () => {
    expect(check(good)).toEqual([]);
    expect(check({ host: "docker02", image: "nginx:1.27" })).toEqual([]);
  });

  it.each([
    ["missing image", { host: "docker01" }, /missing required property "image"/],
    ["missing host", { image: "nginx:1" }, /missing required property "host"/],
    ["port without host side", { ...good, ports: ["3000"] }, /ports\/0: .* does not match/],
    ["bad protocol", { ...good, ports: ["3000:3000/icmp"] }, /does not match/],
    ["non-string env value", { ...good, env: { A: 1 } }, /env\/A: expected string/],
    ["unknown field", { ...good, command: "sh" }, /command: additional property not allowed/],
    ["zero timeout", { ...good, healthcheck: { url: "http://x", timeout: 0 } }, /less than 1/],
    ["healthcheck without url", { ...good, healthcheck: { timeout: 5 } }, /missing required property "url"/],
    ["volume without target", { ...good, volumes: ["data"] }, /volumes\/0/],
    ["restart policy typo", { ...good, restart_policy: "allways" }, /is not one of/],
  ])("%s", (_label, app, message) => {
    const errors = check(app);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.join("\n")).toMatch(message);
  });

  it("rejects app names outside ^[a-z0-9][a-z0-9_-]*$", () => {
    for (const name of ["Grafana", "-x", "a b", "../x", "a.b"]) expect(check(good, name).join()).toMatch(/additional property not allowed/);
  });

  it("requires app_list to be a mapping, not a list", () => {
    expect(validate(appListSchema(), { app_list: [good] }).join()).toMatch(/expected object, got array/);
    expect(validate(appListSchema(), {}).join()).toMatch(/missing required property "app_list"/);
  });
});

describe("loader parity with Nautobot's own test repo", () => {
  it("reads the upstream git-datasource sample and validates it against its schema", () => {
    const root = upstreamPath("nautobot/git-datasource-repo");
    const upstream = loadContexts(root);
    const kinds = upstream.map((c) => `${c.kind}:${c.scope?.folder ?? ""}`).sort();
    expect(kinds).toEqual(["explicit:", "implicit:locations", "local:devices"]);
    const [schema] = loadSchemas(root);
    const ctx = upstream.find((c) => c.metadata?.config_context_schema === schema?.name);
    expect(ctx?.data).toEqual({ "ntp-servers": ["172.16.10.22", "172.16.10.33"] });
    expect(validate(schema!.schema, ctx!.data)).toEqual([]);
    expect(validate(schema!.schema, { age: -1 }).join()).toMatch(/less than 0/);
    const raw = parse(readFileSync(join(root, "config_context_schemas/schema-1.yaml"), "utf8")) as { data_schema: JsonSchema };
    expect(unsupportedKeywords(raw.data_schema)).toEqual([]);
  });
});
