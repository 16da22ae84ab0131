import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeAap } from "../../lab/aap/fake-aap.ts";
import { FakeHttpServer, type FakeRequest } from "../../lab/fake-http.ts";
import { upstreamJson } from "../helpers/upstream.ts";

type Obj = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** JSON type of a value, telling arrays and null apart. */
const kind = (v: unknown) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

/** Keys of `upstream` missing from `ours`, and keys whose non-null values differ in JSON type. */
function drift(upstream: Obj, ours: Obj, except: string[] = []): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(upstream)) {
    if (except.includes(k)) continue;
    if (!(k in ours)) out.push(`missing ${k}`);
    else if (v !== null && ours[k] !== null && kind(v) !== kind(ours[k])) out.push(`${k}: ${kind(v)} upstream, ${kind(ours[k])} here`);
  }
  return out;
}

describe("FakeAap matches the upstream AWX samples", () => {
  const hooks: FakeRequest[] = [];
  const receiver = new FakeHttpServer("hook-receiver");
  receiver.route("POST", "/hooks/aap", (req) => {
    hooks.push(req);
    return { status: 200, body: {} };
  });
  let fake: FakeAap;
  let base: string;
  let failedJob: number;
  let droppedJob: number;
  const dropped = new Set<number>();
  const api = async (path: string, init: RequestInit = {}) => {
    const res = await fetch(`${base}${path}`, { redirect: "manual", ...init, headers: { authorization: `Bearer ${fake.token}`, "content-type": "application/json", ...init.headers } });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, body: text && res.headers.get("content-type")?.includes("json") ? (JSON.parse(text) as Obj) : undefined };
  };
  const launch = (id: number, body: Obj) => api(`/api/v2/job_templates/${id}/launch/`, { method: "POST", body: JSON.stringify(body) });
  const settle = async (id: number) => {
    for (let i = 0; i < 300; i++) {
      const { body } = await api(`/api/v2/jobs/${id}/`);
      if (body?.event_processing_finished) return body;
      await sleep(10);
    }
    throw new Error("job did not settle");
  };

  beforeAll(async () => {
    const hookUrl = `${await receiver.listen()}/hooks/aap`;
    fake = new FakeAap({
      stepMs: 5, pendingMs: 5, webhookUrl: hookUrl, webhookHeaders: { "x-labops-secret": "s3cret" },
      failures: { vaultwarden: { task: "Run container", msg: "port is already allocated" } },
      dropWebhooks: (id) => dropped.has(id),
    });
    base = await fake.start();
    const res = await launch(7, { extra_vars: { app: "vaultwarden", ticket: 42 }, limit: "docker02" });
    failedJob = res.body!.job;
    await settle(failedJob);
    const second = await launch(7, { extra_vars: { app: "traefik" }, limit: "edge01" });
    droppedJob = second.body!.job;
    dropped.add(droppedJob);
    await settle(droppedJob);
    await sleep(50);
  });
  afterAll(async () => {
    await fake.close();
    await receiver.close();
  });

  it("job template: every upstream key, related link and summary field", async () => {
    const up = upstreamJson("awx/data.job_template.json");
    const { body } = await api("/api/v2/job_templates/7/");
    expect(drift(up, body!)).toEqual([]);
    expect(drift(up.related, body!.related)).toEqual([]);
    // survey only exists with a survey spec, webhook_credential only with a webhook credential.
    expect(drift(up.summary_fields, body!.summary_fields, ["survey", "webhook_credential"])).toEqual([]);
    expect(body!.related.launch).toBe("/api/v2/job_templates/7/launch/");
  });

  it("project and inventory source: every upstream key", async () => {
    const project = upstreamJson("awx/data.project.json");
    const p = (await api("/api/v2/projects/?name=HomeLab Ops")).body!.results[0];
    expect(drift(project, p)).toEqual([]);
    expect(drift(project.related, p.related)).toEqual([]);
    expect(drift(project.summary_fields, p.summary_fields)).toEqual([]);

    const source = upstreamJson("awx/data.inventory_source.json");
    const s = (await api("/api/v2/inventory_sources/?name=Nautobot")).body!.results[0];
    expect(drift(source, s)).toEqual([]);
    expect(drift(source.related, s.related)).toEqual([]);
    // source_script summaries were removed in AWX 18; a credential summary appears only when one is attached.
    expect(drift(source.summary_fields, s.summary_fields, ["source_script", "credential"])).toEqual([]);
  });

  it("job detail: every upstream key, related link and summary field", async () => {
    const up = upstreamJson("awx/data.job.json");
    const { body } = await api(`/api/v2/jobs/${failedJob}/`);
    expect(drift(up, body!)).toEqual([]);
    expect(drift(up.related, body!.related)).toEqual([]);
    expect(drift(up.summary_fields, body!.summary_fields)).toEqual([]);
    expect(body!.started).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  it("job events: the envelope and every key of the upstream event of the same type", async () => {
    const up = upstreamJson("awx/job_events.excerpt.json");
    const { body, headers } = await api(`/api/v2/jobs/${failedJob}/job_events/?order_by=counter&page_size=200`);
    expect(Object.keys(body!).sort()).toEqual(Object.keys(up).sort());
    expect(headers.get("x-ui-max-events")).toBeTruthy();
    const ours = body!.results as Obj[];
    const sameType: Record<string, string> = { runner_item_on_ok: "runner_on_ok" };
    for (const e of up.results as Obj[]) {
      const mine = ours.find((o) => o.event === (sameType[e.event] ?? e.event));
      expect(mine, e.event).toBeDefined();
      expect(drift(e, mine!), e.event).toEqual([]);
      expect(drift(e.event_data, mine!.event_data, ["res"]), e.event).toEqual([]);
      expect(Object.keys(mine!.summary_fields.job).sort(), e.event).toEqual(Object.keys(e.summary_fields.job).sort());
    }
    const failed = ours.find((o) => o.event === "runner_on_failed")!;
    expect(failed).toMatchObject({ failed: true, host_name: "docker02", task: "Run container", role: "docker_app" });
    expect(failed.event_data.res.msg).toBe("port is already allocated");
    expect(ours.at(-1)!.event_data).toMatchObject({ failures: { docker02: 1 }, processed: { docker02: 1 } });
  });

  it("paginates with host-relative next links that keep every other param (sorted, capped at 200)", async () => {
    const first = await api(`/api/v2/jobs/${failedJob}/job_events/?page_size=500&order_by=counter&event__in=runner_on_ok,runner_on_start`);
    expect(first.body!.next).toBeNull();
    const small = await api(`/api/v2/jobs/${failedJob}/job_events/?page_size=3&order_by=counter`);
    expect(small.body!.next).toBe(`/api/v2/jobs/${failedJob}/job_events/?order_by=counter&page=2&page_size=3`);
    expect(small.body!.previous).toBeNull();
    const second = await api(small.body!.next);
    expect(second.body!.previous).toBe(`/api/v2/jobs/${failedJob}/job_events/?order_by=counter&page_size=3`);
    expect(second.body!.results[0].counter).toBe(4);
    expect((await api("/api/v2/job_templates/?page=9")).status).toBe(404);
    expect((await api("/api/v2/job_templates/?page_size=500&page=1")).body!.results).toHaveLength(5);
  });

  it("launch: 201 with Location, `job` and `ignored_fields` first, then the job serializer", async () => {
    const res = await launch(8, { limit: "edge01", extra_vars: { ticket: "CHG-1" } });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe(`/api/v2/jobs/${res.body!.job}/`);
    expect(Object.keys(res.body!).slice(0, 3)).toEqual(["job", "ignored_fields", "id"]);
    expect(res.body!.ignored_fields).toEqual({ limit: "edge01", extra_vars: { ticket: "CHG-1" } });
    expect(res.body).toMatchObject({ status: "pending", limit: "", extra_vars: "{}", type: "job" });
    // Not prompted is not a 400 (api-contracts §0.1), but an unknown pk is.
    const notPrompted = await launch(7, { inventory: 1, extra_vars: { app: "traefik" }, limit: "edge01" });
    expect(notPrompted).toMatchObject({ status: 201, body: { ignored_fields: { inventory: 1 } } });
    const bad = await launch(7, { inventory: 999 });
    expect(bad).toMatchObject({ status: 400, body: { inventory: ['Invalid pk "999" - object does not exist.'] } });
  });

  it("auth, trailing slash and not-found answers", async () => {
    const anon = await fetch(`${base}/api/v2/jobs/`);
    expect(anon.status).toBe(401);
    expect(await anon.json()).toEqual({ detail: "Authentication credentials were not provided. To establish a login session, visit /api/login/." });
    const noSlash = await api("/api/v2/job_templates?name=Master%20Deploy");
    expect(noSlash.status).toBe(301);
    expect(noSlash.headers.get("location")).toBe("/api/v2/job_templates/?name=Master+Deploy");
    expect(await api("/api/v2/jobs/999999/")).toMatchObject({ status: 404, body: { detail: "Not found." } });
  });

  it("ping and the API roots answer without a token; every API answer names the product", async () => {
    const ping = await fetch(`${base}/api/v2/ping/`);
    expect(ping.status).toBe(200);
    const body = (await ping.json()) as Obj;
    expect(Object.keys(body).sort()).toEqual(["active_node", "ha", "install_uuid", "instance_groups", "instances", "version"]);
    expect(body).toMatchObject({ ha: false, version: "24.6.1", active_node: "aap01" });
    expect(Object.keys(body.instances[0]).sort()).toEqual(["capacity", "heartbeat", "node", "node_type", "uuid", "version"]);
    expect(Object.keys(body.instance_groups[0]).sort()).toEqual(["capacity", "instances", "name"]);
    expect(ping.headers.get("x-api-product-name")).toBe("AWX");
    expect(ping.headers.get("x-api-product-version")).toBe("24.6.1");
    const root = await fetch(`${base}/api/`);
    expect(((await root.json()) as Obj).available_versions).toEqual({ v2: "/api/v2/" });
    const v2 = await fetch(`${base}/api/v2/`);
    expect(((await v2.json()) as Obj).job_templates).toBe("/api/v2/job_templates/");
    // A 401 is an API answer too (DRF's finalize_response); Django's APPEND_SLASH redirect is not.
    const anon = await fetch(`${base}/api/v2/jobs/`);
    expect(anon.headers.get("x-api-product-name")).toBe("AWX");
    expect((await api("/api/v2/job_templates/7/")).headers.get("x-api-product-version")).toBe("24.6.1");
    expect((await api("/api/v2/ping")).headers.get("x-api-product-name")).toBeNull();
  });

  it("cancel: GET can_cancel, 405 once finished", async () => {
    expect((await api(`/api/v2/jobs/${failedJob}/cancel/`)).body).toEqual({ can_cancel: false });
    expect(await api(`/api/v2/jobs/${failedJob}/cancel/`, { method: "POST" })).toMatchObject({ status: 405, body: { detail: 'Method "POST" not allowed.' } });
    const res = await launch(7, { extra_vars: { app: "grafana" }, limit: "docker01" });
    const cancel = await api(`/api/v2/jobs/${res.body!.job}/cancel/`, { method: "POST" });
    expect(cancel.status).toBe(202);
    expect(cancel.text).toBe("");
    expect((await settle(res.body!.job)).status).toBe("canceled");
  });

  it("project and inventory updates: 202 with Location and the update id", async () => {
    const pu = await api("/api/v2/projects/6/update/", { method: "POST" });
    expect(pu.status).toBe(202);
    expect(pu.headers.get("location")).toBe(`/api/v2/project_updates/${pu.body!.project_update}/`);
    expect(pu.body).toMatchObject({ id: pu.body!.project_update, type: "project_update", status: "pending" });
    const iu = await api("/api/v2/inventory_sources/11/update/", { method: "POST" });
    expect(iu.status).toBe(202);
    expect(iu.headers.get("location")).toBe(`/api/v2/inventory_updates/${iu.body!.inventory_update}/`);
    expect((await api(`/api/v2/inventory_updates/${iu.body!.inventory_update}/`)).body).toMatchObject({ type: "inventory_update", inventory_source: 11 });
  });

  it("webhook: the flat job_metadata body of the upstream example, with custom headers", async () => {
    const up = upstreamJson("awx/notification-webhook.failed.example.json");
    const started = upstreamJson("awx/notification-webhook.started.example.json");
    const hook = hooks.find((h) => (h.body as Obj).id === failedJob);
    expect(hook).toBeDefined();
    const body = hook!.body as Obj;
    expect(Object.keys(body).sort()).toEqual(Object.keys(up).sort());
    for (const k of Object.keys(up)) {
      const allowed = new Set([kind(up[k]), kind(started[k])]);
      expect(allowed.has(kind(body[k])), `${k} is ${kind(body[k])}`).toBe(true);
    }
    expect(Object.keys(body.hosts.docker02).sort()).toEqual(Object.keys(up.hosts.localhost).sort());
    for (const [k, v] of Object.entries(up.hosts.localhost)) expect(kind(body.hosts.docker02[k]), k).toBe(kind(v));
    expect(body).toMatchObject({ status: "failed", limit: "docker02", url: `${base}/#/jobs/playbook/${failedJob}`, hosts: { docker02: { failed: true, failures: 1 } } });
    expect(JSON.parse(body.extra_vars)).toEqual({ app: "vaultwarden", ticket: 42 });
    expect(body.extra_vars).toBe('{"app": "vaultwarden", "ticket": 42}');
    expect(body.started).toMatch(/\+00:00$/);
    expect(body.finished).toMatch(/\+00:00$/);
    expect(hook!.headers["x-labops-secret"]).toBe("s3cret");
    expect(hook!.headers["content-type"]).toBe("application/json");
    expect(hooks.some((h) => (h.body as Obj).id === droppedJob)).toBe(false);
  });
});
