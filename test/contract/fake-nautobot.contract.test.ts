import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeNautobot } from "../../lab/nautobot/fake-nautobot.ts";
import { loadGitDatasource } from "../../lab/nautobot/git-datasource.ts";
import { upstreamJson, upstreamPath } from "../helpers/upstream.ts";

/** Every key path of `sample` with the JSON type of its value ("null", "array", "object", "string", ...). */
function shape(sample: unknown, prefix = ""): Record<string, string> {
  const kind = sample === null ? "null" : Array.isArray(sample) ? "array" : typeof sample;
  const out: Record<string, string> = { [prefix || "(root)"]: kind };
  if (kind === "object") {
    for (const [k, v] of Object.entries(sample as Record<string, unknown>)) Object.assign(out, shape(v, prefix ? `${prefix}.${k}` : k));
  }
  return out;
}

/** The fake's answer has every key of the upstream sample, with the same value type. Extra keys are allowed. */
function expectSameShape(actual: unknown, sample: unknown): void {
  const got = shape(actual);
  const want = shape(sample);
  const mismatches = Object.entries(want).filter(([path, kind]) => got[path] !== kind).map(([path, kind]) => `${path}: want ${kind}, got ${got[path] ?? "missing"}`);
  expect(mismatches).toEqual([]);
}

const FIXTURE_REPO = upstreamPath("nautobot/git-datasource-repo");

describe("fake Nautobot against the upstream samples (nautobot v2.4.36 docs)", () => {
  let fake: FakeNautobot;
  const api = async (method: string, path: string) => {
    const res = await fetch(`${fake.url}${path}`, {
      method,
      headers: { Authorization: `Token ${fake.token}`, Accept: "application/json; version=2.4" },
    });
    return { status: res.status, version: res.headers.get("api-version"), body: (await res.json()) as any };
  };

  beforeAll(async () => {
    // Seeded from Nautobot's own Git test repository: its scope filters name objects the homelab lacks.
    fake = new FakeNautobot({ stepMs: 5, seedDir: FIXTURE_REPO });
    await fake.start();
  });
  afterAll(() => fake.close());

  it("git-repositories/{id}/ has every key of git-repository.detail.example.json", async () => {
    const sample = upstreamJson("nautobot/git-repository.detail.example.json");
    const res = await api("GET", `/api/extras/git-repositories/${fake.gitRepositoryId}/`);
    expect(res.status).toBe(200);
    expect(res.version).toBe("2.4");
    expectSameShape(res.body, sample);
    expect(res.body.object_type).toBe(sample.object_type);
    expect(res.body.url).toBe(`${fake.url}/api/extras/git-repositories/${fake.gitRepositoryId}/`);
    expect(res.body.natural_slug).toBe(`labops_${fake.gitRepositoryId.slice(0, 4)}`);
    expect(res.body.provided_contents).toContain("extras.configcontext");
  });

  it("git-repositories/{id}/sync/ answers 200 with the shape of git-repository.sync.response.example.json", async () => {
    const sample = upstreamJson("nautobot/git-repository.sync.response.example.json");
    const res = await api("POST", `/api/extras/git-repositories/${fake.gitRepositoryId}/sync/`);
    expect(res.status).toBe(200);
    expectSameShape(res.body, sample);
    expect(res.body.message).toBe("Repository labops sync job added to queue.");
    expect(res.body.job_result.status).toEqual(sample.job_result.status);
    expect(res.body.job_result.name).toBe(sample.job_result.name);
    expect(res.body.job_result.display).toMatch(/^Git Repository: Sync started at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00 \(PENDING\)$/);
    expect(Object.keys(res.body.job_result.job_model).sort()).toEqual(Object.keys(sample.job_result.job_model).sort());
  });

  it("a sync of that repository logs Nautobot's errors for unresolvable scopes and still ends SUCCESS", async () => {
    const queued = await api("POST", `/api/extras/git-repositories/${fake.gitRepositoryId}/sync/`);
    const id = queued.body.job_result.id as string;
    let job = queued.body.job_result;
    for (let i = 0; i < 200 && !["SUCCESS", "FAILURE"].includes(job.status.value); i++) {
      await new Promise((r) => setTimeout(r, 5));
      job = (await api("GET", `/api/extras/job-results/${id}/`)).body;
    }
    expect(job.status.value).toBe("SUCCESS");
    const logs = (await api("GET", `/api/extras/job-results/${id}/logs/`)).body as { log_level: string; grouping: string; message: string }[];
    const errors = logs.filter((l) => l.log_level === "error").map((l) => [l.grouping, l.message]);
    expect(errors).toEqual(
      expect.arrayContaining([
        ["config contexts", "Error in loading config context data from `context.yaml`: No matching DeviceType found for {'model': 'Frobozz 1000'}; unable to create/update context Frobozz 1000 NTP servers"],
        ["config contexts", "Error in loading config context data from `Test Location.json`: No matching Location found for {'name': 'Test Location'}; unable to create/update context Location context"],
        ["local config contexts", "Error in loading local config context from `devices/test-device.json`: record not found!"],
      ]),
    );
    const schemas = (await api("GET", "/api/extras/config-context-schemas/?name=Config%20Context%20Schema%201")).body;
    expect(schemas.count).toBe(1);
    expect(schemas.results[0].owner_object_id).toBe(fake.gitRepositoryId);
    const paged = (await api("GET", `/api/extras/job-logs/?job_result=${id}&limit=3`)).body;
    expect(paged.count).toBe(logs.length);
    expect(paged.next).toBe(`${fake.url}/api/extras/job-logs/?job_result=${id}&limit=3&offset=3`);
  });
});

describe("loadGitDatasource on the upstream git-datasource-repo", () => {
  it("yields the two contexts, the local context and the schema Nautobot's test suite expects", () => {
    const ds = loadGitDatasource(FIXTURE_REPO);
    expect(ds.errors).toEqual([]);
    expect(ds.contexts.map((c) => [c.name, c.weight, c.isActive, c.scope])).toEqual([
      ["Frobozz 1000 NTP servers", 1500, true, { device_types: [{ model: "Frobozz 1000" }] }],
      ["Location context", 1000, false, { locations: [{ name: "Test Location" }] }],
    ]);
    expect(ds.contexts[0]?.configContextSchema).toBe("Config Context Schema 1");
    expect(ds.locals.map((l) => [l.type, l.objectName, l.data])).toEqual([["devices", "test-device", { "dns-servers": ["8.8.8.8"] }]]);
    expect(ds.schemas.map((s) => [s.name, s.description, Object.keys(s.dataSchema.properties as object)])).toEqual([
      ["Config Context Schema 1", "Schema for defining first names, last names, and ages.", ["firstName", "lastName", "age"]],
    ]);
  });
});
