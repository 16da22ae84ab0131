import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAap } from "../../lab/aap/fake-aap.ts";

type Obj = Record<string, any>;

/** The write rules of the fake controller's objects, as AWX's serializers apply them (awx.awx relies on each). */
describe("fake AAP objects: create, update, associate", () => {
  let fake: FakeAap;
  let base: string;
  const api = async (path: string, method = "GET", body?: unknown) => {
    const res = await fetch(`${base}/api/v2/${path}`, {
      method, headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: (text ? JSON.parse(text) : undefined) as Obj };
  };
  beforeAll(async () => {
    fake = new FakeAap({ empty: true, stepMs: 5, pendingMs: 5 });
    base = await fake.start();
  });
  afterAll(async () => {
    await fake.close();
  });

  it("a fresh controller holds the managed credential types and nothing of the homelab", async () => {
    expect((await api("organizations/")).body.count).toBe(0);
    const machine = (await api("credential_types/?name=Machine")).body.results[0];
    expect(machine).toMatchObject({ id: 1, kind: "ssh", namespace: "ssh", managed: true });
    expect((await api(`credential_types/${machine.id}/`, "PATCH", { description: "x" })).status).toBe(403);
  });

  it("creates with 201 and Location, refuses duplicates and missing fields with DRF's messages", async () => {
    const org = await api("organizations/", "POST", { name: "Lab" });
    expect(org.status).toBe(201);
    expect(org.headers.get("location")).toBe(`/api/v2/organizations/${org.body.id}/`);
    expect(await api("organizations/", "POST", { name: "Lab" })).toMatchObject({ status: 400, body: { name: ["Organization with this Name already exists."] } });
    expect(await api("inventories/", "POST", { name: "Inv" })).toMatchObject({ status: 400, body: { organization: ["This field is required."] } });
    expect(await api("inventories/", "POST", { name: "Inv", organization: 999 })).toMatchObject({ status: 400, body: { organization: ['Invalid pk "999" - object does not exist.'] } });
    expect((await api("inventories/", "POST", { name: "Inv", organization: org.body.id, kind: null })).status).toBe(201);
    expect(await api("inventories/", "POST", { name: "Inv", organization: org.body.id })).toMatchObject({ status: 400, body: { __all__: ["Inventory with this Name and Organization already exists."] } });
  });

  it("credentials: inputs checked against the type, secrets read back as $encrypted$ and kept when written back so", async () => {
    const org = (await api("organizations/?name=Lab")).body.results[0];
    const type = await api("credential_types/", "POST", { name: "Token", kind: "cloud", inputs: { fields: [{ id: "token", label: "Token", secret: true }, { id: "url", label: "URL" }], required: ["token"] }, injectors: { env: { T: "{{ token }}" } } });
    expect(type.status).toBe(201);
    expect(await api("credential_types/", "POST", { name: "Bad", kind: "ssh" })).toMatchObject({ status: 400, body: { kind: ['"ssh" is not a valid choice.'] } });
    expect(await api("credentials/", "POST", { name: "C", organization: org.id, credential_type: type.body.id, inputs: { url: "u" } })).toMatchObject({ status: 400, body: { inputs: { token: ["required for Token"] } } });
    expect(await api("credentials/", "POST", { name: "C", organization: org.id, credential_type: type.body.id, inputs: { token: "s", nope: "x" } })).toMatchObject({ status: 400, body: { inputs: { nope: ["Additional properties are not allowed ('nope' was unexpected)"] } } });
    const cred = await api("credentials/", "POST", { name: "C", organization: org.id, credential_type: type.body.id, inputs: { token: "s3cret", url: "u" } });
    expect(cred.body.inputs).toEqual({ token: "$encrypted$", url: "u" });
    expect(JSON.stringify(cred.body)).not.toContain("s3cret");
    await api(`credentials/${cred.body.id}/`, "PATCH", { inputs: { token: "$encrypted$", url: "v" } });
    const back = await api(`credentials/${cred.body.id}/`);
    expect(back.body.inputs).toEqual({ token: "$encrypted$", url: "v" });
  });

  it("projects update on creation; job templates need a playbook of the project; one credential per type", async () => {
    const org = (await api("organizations/?name=Lab")).body.results[0];
    expect(await api("projects/", "POST", { name: "P", organization: org.id, scm_type: "git" })).toMatchObject({ status: 400, body: { scm_url: ["SCM URL is required."] } });
    const project = await api("projects/", "POST", { name: "P", organization: org.id, scm_type: "git", scm_url: "https://git.example/p.git" });
    expect(project.body.summary_fields.current_update).toMatchObject({ status: "pending" });
    expect((await api(`projects/${project.body.id}/playbooks/`)).body).toContain("playbooks/master_deploy.yml");
    const inv = (await api("inventories/?name=Inv")).body.results[0];
    expect(await api("job_templates/", "POST", { name: "J", project: project.body.id, inventory: inv.id, playbook: "nope.yml" })).toMatchObject({ status: 400, body: { playbook: ["Playbook not found for project."] } });
    expect(await api("job_templates/", "POST", { name: "J", project: project.body.id, playbook: "playbooks/master_deploy.yml" })).toMatchObject({ status: 400, body: { inventory: ["Job Template must provide 'inventory' or allow prompting for it."] } });
    const jt = await api("job_templates/", "POST", { name: "J", project: project.body.id, inventory: inv.id, playbook: "playbooks/master_deploy.yml" });
    expect(jt.body).toMatchObject({ organization: org.id, project: project.body.id, status: "never updated" });
    const ssh = async (name: string) => (await api("credentials/", "POST", { name, organization: org.id, credential_type: 1, inputs: { username: "a" } })).body.id as number;
    const [a, b] = [await ssh("A"), await ssh("B")];
    expect((await api(`job_templates/${jt.body.id}/credentials/`, "POST", { id: a })).status).toBe(204);
    expect(await api(`job_templates/${jt.body.id}/credentials/`, "POST", { id: b })).toMatchObject({ status: 400, body: { error: "Cannot assign multiple Machine credentials." } });
    expect((await api(`job_templates/${jt.body.id}/credentials/`)).body.results.map((c: Obj) => c.name)).toEqual(["A"]);
    expect((await api(`job_templates/${jt.body.id}/credentials/`, "POST", { id: a, disassociate: true })).status).toBe(204);
    expect((await api(`job_templates/${jt.body.id}/`)).body.summary_fields.credentials).toEqual([]);
  });

  it("webhook notification templates get AWX's defaults and need their required settings", async () => {
    const org = (await api("organizations/?name=Lab")).body.results[0];
    expect(await api("notification_templates/", "POST", { name: "N", organization: org.id, notification_type: "webhook", notification_configuration: { url: "https://x" } }))
      .toMatchObject({ status: 400, body: { notification_configuration: ["Missing required fields for Notification Configuration: headers."] } });
    const n = await api("notification_templates/", "POST", { name: "N", organization: org.id, notification_type: "webhook", notification_configuration: { url: "https://x", headers: {}, password: "pw" } });
    expect(n.body.notification_configuration).toEqual({ url: "https://x", headers: {}, username: "", password: "$encrypted$", http_method: "POST", disable_ssl_verification: false });
  });
});
