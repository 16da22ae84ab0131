import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { loadGitDatasource } from "../../lab/nautobot/git-datasource.ts";
import { upstreamPath } from "../helpers/upstream.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const dirs: string[] = [];

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "git-datasource-"));
  dirs.push(dir);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("loadGitDatasource on Nautobot's own test repository (v2.4.36 git_data/01-valid-files)", () => {
  const ds = loadGitDatasource(upstreamPath("nautobot/git-datasource-repo"));

  it("loads the explicit context with its metadata, scope and data", () => {
    const ctx = ds.contexts.find((c) => c.name === "Frobozz 1000 NTP servers");
    expect(ctx).toEqual({
      name: "Frobozz 1000 NTP servers",
      weight: 1500,
      description: "NTP servers for Frobozz 1000 devices **only**",
      isActive: true,
      configContextSchema: "Config Context Schema 1",
      scope: { device_types: [{ model: "Frobozz 1000" }] },
      data: { "ntp-servers": ["172.16.10.22", "172.16.10.33"] },
      file: "config_contexts/context.yaml",
    });
  });

  it("scopes an implicit folder context by its file name, with default weight", () => {
    const ctx = ds.contexts.find((c) => c.name === "Location context");
    expect(ctx?.scope).toEqual({ locations: [{ name: "Test Location" }] });
    expect(ctx?.weight).toBe(1000);
    expect(ctx?.isActive).toBe(false);
    expect(ctx?.data).toEqual({ domain_name: "example.com" });
  });

  it("reads devices/<name>.json as local context data and the schema file", () => {
    expect(ds.locals).toEqual([
      { type: "devices", objectName: "test-device", data: { "dns-servers": ["8.8.8.8"] }, file: "config_contexts/devices/test-device.json" },
    ]);
    expect(ds.schemas).toHaveLength(1);
    expect(ds.schemas[0]?.name).toBe("Config Context Schema 1");
    expect(ds.schemas[0]?.dataSchema).toMatchObject({ title: "Person", type: "object" });
    expect(ds.errors).toEqual([]);
    expect(ds.contexts).toHaveLength(2);
  });
});

describe("loadGitDatasource on the labops repository", () => {
  it("loads app_list with every app and no errors", () => {
    const ds = loadGitDatasource(REPO_ROOT);
    expect(ds.errors).toEqual([]);
    const appList = ds.contexts.find((c) => c.name === "app_list");
    expect(appList?.weight).toBe(1000);
    expect(appList?.configContextSchema).toBe("app_list");
    const apps = appList?.data.app_list as Record<string, { host: string }>;
    expect(Object.keys(apps)).toEqual(expect.arrayContaining(["traefik", "grafana", "jellyfin"]));
    expect(apps.traefik?.host).toBe("edge01");
    expect(Object.keys(appList?.data ?? {})).toEqual(["app_list"]);
  });
});

describe("loadGitDatasource error handling (mirrors git.py: a bad file is logged, others still load)", () => {
  it("reports a file without _metadata.name and one that does not parse, and keeps the good one", () => {
    const ds = loadGitDatasource(
      repo({
        "config_contexts/good.yml": "_metadata: {name: good}\nntp: [10.0.0.1]\n",
        "config_contexts/noname.yml": "_metadata: {weight: 10}\nx: 1\n",
        "config_contexts/broken.yml": "_metadata:\n  name: broken\n x: [\n",
        "config_contexts/nometa.json": '{"x": 1}',
      }),
    );
    expect(ds.contexts.map((c) => c.name)).toEqual(["good"]);
    const byFile = Object.fromEntries(ds.errors.map((e) => [e.file, e.message]));
    expect(byFile["config_contexts/noname.yml"]).toBe(
      "Error in loading config context data from `noname.yml`: data `_metadata` is missing the required `name` key.",
    );
    expect(byFile["config_contexts/nometa.json"]).toContain("missing the required `_metadata` key");
    expect(byFile["config_contexts/broken.yml"]).toMatch(/^Error in loading config context data from `broken.yml`: /);
  });

  it("loads a list of contexts from one file, stopping at the first bad entry", () => {
    const ds = loadGitDatasource(
      repo({
        "config_contexts/many.yaml": "- {_metadata: {name: a, weight: 5}, v: 1}\n- {v: 2}\n- {_metadata: {name: c}, v: 3}\n",
      }),
    );
    expect(ds.contexts.map((c) => [c.name, c.weight, c.data])).toEqual([["a", 5, { v: 1 }]]);
    expect(ds.errors).toHaveLength(1);
  });

  it("parses like PyYAML safe_load (YAML 1.1 booleans) and keeps all non-_metadata keys as data", () => {
    const ds = loadGitDatasource(
      repo({ "config_contexts/flags.yml": "_metadata: {name: flags, description: d}\nsignups: no\nport: 8080\nnested: {a: yes}\n" }),
    );
    expect(ds.contexts[0]?.data).toEqual({ signups: false, port: 8080, nested: { a: true } });
    expect(ds.contexts[0]?.description).toBe("d");
  });

  it("adds the implied filter of implicit folders (model for device_types) and handles the deprecated schema key", () => {
    const ds = loadGitDatasource(
      repo({
        "config_contexts/device_types/MS-01.yml": "_metadata: {name: ms01}\nfans: 2\n",
        "config_contexts/roles/docker-host.yml": "_metadata: {name: dh, schema: docker_host, roles: [{name: extra}]}\nd: 1\n",
        "config_contexts/roles/nameless.yml": "d: 1\n",
        "roles/misplaced.yml": "_metadata: {name: misplaced}\n",
      }),
    );
    const byName = Object.fromEntries(ds.contexts.map((c) => [c.name, c]));
    expect(byName.ms01?.scope).toEqual({ device_types: [{ model: "MS-01" }] });
    expect(byName.dh?.scope).toEqual({ roles: [{ name: "extra" }, { name: "docker-host" }] });
    expect(byName.dh?.configContextSchema).toBe("docker_host");
    expect(ds.errors.map((e) => e.file)).toEqual(["config_contexts/roles/nameless.yml"]);
    const warnings = ds.warnings.map((w) => w.message);
    expect(warnings).toContain("`schema` is deprecated in `_metadata`, please use `config_context_schema` instead.");
    expect(warnings.some((w) => w.startsWith('Found "roles" directory in the repository root.'))).toBe(true);
  });

  it("rejects local context data that is not a mapping and schema files without data_schema", () => {
    const ds = loadGitDatasource(
      repo({
        "config_contexts/virtual_machines/vm1.yml": "- a\n- b\n",
        "config_contexts/virtual_machines/vm2.yml": "dns: [1.1.1.1]\n",
        "config_context_schemas/bad.yml": "_metadata: {name: bad}\n",
      }),
    );
    expect(ds.locals.map((l) => [l.type, l.objectName])).toEqual([["virtual_machines", "vm2"]]);
    expect(ds.errors.map((e) => e.file).sort()).toEqual(["config_context_schemas/bad.yml", "config_contexts/virtual_machines/vm1.yml"]);
    expect(ds.schemas).toEqual([]);
  });

  it("returns empty results for a directory without config_contexts/", () => {
    expect(loadGitDatasource(repo({ "README.md": "x" }))).toEqual({ contexts: [], locals: [], schemas: [], errors: [], warnings: [] });
  });
});
