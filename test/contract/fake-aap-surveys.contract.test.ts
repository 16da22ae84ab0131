import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAap } from "../../lab/aap/fake-aap.ts";

type Obj = Record<string, any>;

/** Job template surveys in the fake controller, as AWX serves and enforces them (SurveyJobTemplateMixin). */
describe("fake AAP surveys", () => {
  let fake: FakeAap;
  let base: string;
  let id: number;
  const api = async (path: string, method = "GET", body?: unknown) => {
    const res = await fetch(`${base}/api/v2/${path}`, {
      method, headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as Obj };
  };
  const launch = (extra_vars: Obj) => api(`job_templates/${id}/launch/`, "POST", { extra_vars });

  beforeAll(async () => {
    fake = new FakeAap({ stepMs: 5, pendingMs: 5 });
    base = await fake.start();
    id = (await api("job_templates/?name=Create%20Backup%20Job")).body.results[0].id;
  });
  afterAll(async () => {
    await fake?.close();
  });

  it("serves the seeded survey, hiding password defaults, and the launch view names the required variables", async () => {
    const t = (await api(`job_templates/${id}/`)).body;
    expect(t).toMatchObject({ survey_enabled: true, ask_variables_on_launch: false });
    expect(t.related.survey_spec).toBe(`/api/v2/job_templates/${id}/survey_spec/`);
    const spec = (await api(`job_templates/${id}/survey_spec/`)).body;
    expect(spec.spec.map((q: Obj) => [q.variable, q.type, q.required])).toEqual([
      ["backup_host", "multiplechoice", true], ["backup_retention", "integer", true], ["backup_password", "password", true],
    ]);
    const info = (await api(`job_templates/${id}/launch/`)).body;
    expect(info).toMatchObject({ survey_enabled: true, can_start_without_user_input: false, variables_needed_to_start: ["backup_host", "backup_retention", "backup_password"] });
    expect((await api("job_templates/?name=Master%20Deploy")).body.results[0].survey_enabled).toBe(false);
  });

  it("refuses answers the survey does not allow with AWX's messages under variables_needed_to_start, and starts nothing", async () => {
    const before = fake.launches().length;
    expect(await launch({ backup_host: "docker01", backup_retention: 30, backup_password: "long-enough" })).toMatchObject({ status: 201 });
    // A required answer with a default is still required of an API launch (the default is the UI's).
    expect((await launch({ backup_host: "docker01", backup_password: "long-enough" })).body).toEqual({ variables_needed_to_start: ["'backup_retention' value missing"] });
    expect((await launch({ backup_retention: 5, backup_password: "long-enough" })).body).toEqual({ variables_needed_to_start: ["'backup_host' value missing"] });
    expect((await launch({ backup_host: "pve01", backup_retention: 91, backup_password: "short" })).body).toEqual({ variables_needed_to_start: [
      "Value pve01 for 'backup_host' expected to be one of ['docker01', 'docker02', 'edge01', 'nautobot01'].",
      "'backup_retention' value 91 is too large (must be no more than 90).",
      "'backup_password' value short is too small (length is 5 must be at least 8).",
    ] });
    expect((await launch({ backup_host: "docker01", backup_retention: "7", backup_password: "long-enough" })).body).toEqual({ variables_needed_to_start: ["Value 7 for 'backup_retention' expected to be an integer."] });
    expect(fake.launches().length - before).toBe(1);
  });

  it("accepts survey answers without the prompt for variables, ignores other variables and shows the password as $encrypted$", async () => {
    const res = await launch({ backup_host: "docker02", backup_retention: 14, backup_password: "correct horse", other: 1 });
    expect(res.status).toBe(201);
    expect(res.body.ignored_fields).toEqual({ extra_vars: { other: 1 } });
    const l = fake.launches().find((x) => x.jobId === res.body.job)!;
    expect(l.extraVars).toEqual({ backup_host: "docker02", backup_retention: 14, backup_password: "correct horse" });
    const job = (await api(`jobs/${res.body.job}/`)).body;
    expect(JSON.parse(job.extra_vars)).toEqual({ backup_host: "docker02", backup_retention: 14, backup_password: "$encrypted$" });
    await expect.poll(async () => (await api(`jobs/${res.body.job}/`)).body.status, { timeout: 5_000 }).toBe("successful");
    // As on AWX, the recap (and with it host_status_counts) lands a moment after the terminal status.
    await expect.poll(async () => (await api(`jobs/${res.body.job}/`)).body.host_status_counts, { timeout: 5_000 }).toMatchObject({ changed: 1 });
  });

  it("checks a posted survey spec as the view does and replaces it; an unanswered optional question takes its default; DELETE removes it", async () => {
    const md = (await api("job_templates/?name=Master%20Deploy")).body.results[0].id;
    expect((await api(`job_templates/${md}/survey_spec/`)).body).toEqual({});
    expect((await api(`job_templates/${md}/survey_spec/`, "POST", { name: "x", spec: [] })).body).toEqual({ error: "'description' missing from survey spec." });
    expect((await api(`job_templates/${md}/survey_spec/`, "POST", { name: "x", description: "", spec: [] })).body).toEqual({ error: "'spec' doesn't contain any items." });
    const q = { question_name: "N", variable: "n", type: "integer", required: false, min: 1, max: 3, default: 2 };
    expect((await api(`job_templates/${md}/survey_spec/`, "POST", { name: "x", description: "", spec: [{ ...q, type: "date" }] })).body.error).toBe("'date' in survey question 0 is not one of 'text, textarea, password, integer, float, multiplechoice, multiselect' allowed question types.");
    expect((await api(`job_templates/${md}/survey_spec/`, "POST", { name: "x", description: "", spec: [q, q] })).body.error).toBe("'variable' 'n' duplicated in survey question 1.");
    expect((await api(`job_templates/${md}/survey_spec/`, "POST", { name: "x", description: "", spec: [q] })).status).toBe(200);
    expect((await api(`job_templates/${md}/survey_spec/`)).body.spec).toEqual([q]);
    // A posted survey is enforced once the template enables it.
    expect((await api(`job_templates/${md}/`, "PATCH", { survey_enabled: true })).status).toBe(200);
    const res = await api(`job_templates/${md}/launch/`, "POST", { extra_vars: { app: "grafana" }, limit: "docker01" });
    expect(res.status).toBe(201);
    expect(fake.launches().find((x) => x.jobId === res.body.job)!.extraVars).toEqual({ n: 2, app: "grafana" });
    expect((await api(`job_templates/${md}/`, "PATCH", { survey_enabled: false })).status).toBe(200);
    expect((await api(`job_templates/${md}/survey_spec/`, "DELETE")).status).toBe(200);
    expect((await api(`job_templates/${md}/survey_spec/`)).body).toEqual({});
  });
});
