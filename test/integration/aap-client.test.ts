import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient, AapIgnoredFieldsError, TERMINAL_JOB_STATUSES, type Job } from "../../src/clients/aap.ts";
import { foldEvents } from "../../src/clients/aap-progress.ts";
import { ApiError, UserError } from "../../src/errors.ts";
import { FakeAap } from "../../lab/aap/fake-aap.ts";
import { FakeHttpServer } from "../../lab/fake-http.ts";
import { profileAap } from "../helpers/test-profile.ts";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls like a worker would: until the job is terminal AND its events are fully processed. */
async function settle(client: AapClient, id: number): Promise<Job> {
  for (let i = 0; i < 400; i++) {
    const job = await client.getJob(id);
    if (TERMINAL_JOB_STATUSES.includes(job.status) && job.event_processing_finished) return job;
    await sleep(10);
  }
  throw new Error(`job ${id} did not settle`);
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = await fn();
    if (ok(v)) return v;
    await sleep(10);
  }
  throw new Error("condition not reached");
}

describe("AapClient against FakeAap (/api/v2/)", () => {
  const fake = new FakeAap({ ...profileAap(), stepMs: 5, pendingMs: 5, failures: { grafana: { host: "docker02", task: "docker_app : Pull image", msg: "manifest for grafana/grafana:99 not found" } } });
  let client: AapClient;
  let masterId: number;

  beforeAll(async () => {
    const url = await fake.start();
    client = new AapClient({ url, token: fake.token });
    masterId = (await client.findJobTemplate("Master Deploy")).id;
  });
  afterAll(() => fake.close());

  it("finds a template by exact name and reports a missing one as a UserError", async () => {
    const jt = await client.findJobTemplate("Master Deploy");
    expect(jt).toMatchObject({ type: "job_template", playbook: "playbooks/master_deploy.yml", ask_variables_on_launch: true, ask_limit_on_launch: true });
    expect(fake.http.requests.some((r) => r.path === "/api/v2/job_templates/" && r.query.get("name") === "Master Deploy")).toBe(true);
    const err = await client.findJobTemplate("Master Deploy (old)").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe("aap_template_missing");
  });

  it("reads the launch requirements of a template", async () => {
    const req = await client.launchRequirements(masterId);
    expect(req).toMatchObject({ ask_variables_on_launch: true, ask_limit_on_launch: true, ask_job_type_on_launch: true, can_start_without_user_input: true });
    expect(req.variables_needed_to_start).toEqual([]);
    const seeder = await client.findJobTemplate("Setup AAP (Seeder)");
    expect(await client.launchRequirements(seeder.id)).toMatchObject({ ask_variables_on_launch: false, ask_limit_on_launch: false });
  });

  it("launches once, polls to success and folds the events into progress", async () => {
    const before = fake.launches().length;
    const { jobId, job } = await client.launch(masterId, { extra_vars: { app: "traefik" }, limit: "edge01" });
    expect(job.status).toBe("pending");
    expect(fake.launches().slice(before)).toEqual([{ jobId, templateName: "Master Deploy", extraVars: { app: "traefik" }, limit: "edge01", jobType: "run", diffMode: false }]);
    const done = await settle(client, jobId);
    expect(done).toMatchObject({ status: "successful", failed: false, limit: "edge01", extra_vars: '{"app": "traefik"}' });
    expect(done.elapsed).toBeGreaterThan(0);
    expect(done.host_status_counts).toEqual({ changed: 1 });

    const events = await client.jobEvents(jobId);
    expect(events.map((e) => e.counter)).toEqual(events.map((_, i) => i + 1));
    const p = foldEvents(undefined, events);
    // Master Deploy's six checks (pre_tasks), then the docker_app role's five deploy tasks; its restart, logs and
    // remove tasks are skipped on a deploy and neither counted nor shown.
    expect(p).toMatchObject({ play: "Deploy traefik", task: "docker_app : Wait for healthcheck", tasksDone: 11, failedTasks: [] });
    expect(events.filter((e) => e.event === "runner_on_skipped").length).toBe(5);
    expect(p.hosts).toEqual({ ok: 0, changed: 1, failed: 0, unreachable: 0, skipped: 0 });
    expect(client.jobUrl(jobId)).toBe(`${fake.url}/#/jobs/playbook/${jobId}/output`);
  });

  it("follows next across pages of job events and tails from a counter", async () => {
    const small = new AapClient({ url: fake.url, token: fake.token, pageSize: 4 });
    const { jobId } = await small.launch(masterId, { extra_vars: { app: "portainer" }, limit: "docker01" });
    await settle(small, jobId);
    const path = `/api/v2/jobs/${jobId}/job_events/`;
    const before = fake.http.count("GET", new RegExp(`^${path}$`));
    const all = await small.jobEvents(jobId);
    const pages = fake.http.count("GET", new RegExp(`^${path}$`)) - before;
    expect(all.length).toBeGreaterThan(8);
    expect(pages).toBe(Math.ceil(all.length / 4));
    expect(all.map((e) => e.counter)).toEqual(all.map((_, i) => i + 1));
    const pageTwo = fake.http.requests.filter((r) => r.path === path && r.query.get("page") === "2").at(-1);
    expect(pageTwo?.query.get("order_by")).toBe("counter");

    const tail = await small.jobEvents(jobId, { afterCounter: 10 });
    expect(tail.map((e) => e.counter)).toEqual(all.filter((e) => e.counter > 10).map((e) => e.counter));
    expect(tail.at(-1)?.event).toBe("playbook_on_stats");
  });

  it("returns the last lines of the plain-text stdout without ANSI codes", async () => {
    const { jobId } = await client.launch(masterId, { extra_vars: { app: "jellyfin" }, limit: "docker02" });
    await settle(client, jobId);
    const tail = await client.stdoutTail(jobId, 3);
    const lines = tail.split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[1]).toMatch(/^PLAY RECAP \*+$/);
    expect(lines[2]).toMatch(/^docker02\s+: ok=11\s+changed=3\s+unreachable=0\s+failed=0/);
    expect(tail).not.toMatch(/\u001b/);
  });

  it("reports a failed task with its host and module message", async () => {
    const { jobId } = await client.launch(masterId, { extra_vars: { app: "grafana", target_host: "docker02" }, limit: "docker02" });
    const done = await settle(client, jobId);
    expect(done.status).toBe("failed");
    expect(done.failed).toBe(true);
    expect(done.host_status_counts).toEqual({ failures: 1 });
    const p = foldEvents(undefined, await client.jobEvents(jobId));
    expect(p.failedTasks).toEqual([{ host: "docker02", task: "docker_app : Pull image", msg: "manifest for grafana/grafana:99 not found" }]);
    expect(p.hosts).toEqual({ ok: 0, changed: 0, failed: 1, unreachable: 0, skipped: 0 });
    expect(await client.stdoutTail(jobId, 20)).toContain('fatal: [docker02]: FAILED! => {"changed": false, "msg": "manifest for grafana/grafana:99 not found"');
  });

  it("runs check mode reporting what would change, as Ansible does; with diff mode each changed task carries its diff", async () => {
    const { jobId } = await client.launch(masterId, { extra_vars: { app: "traefik" }, limit: "edge01", job_type: "check" });
    const done = await settle(client, jobId);
    expect(done).toMatchObject({ job_type: "check", status: "successful", diff_mode: false, host_status_counts: { changed: 1 } });
    expect(fake.job(jobId)).toMatchObject({ jobType: "check" });
    const plain = await client.changedEvents(jobId);
    expect(plain.length).toBeGreaterThan(0);
    expect(plain.every((e) => (e.event_data.res as { diff?: unknown }).diff === undefined)).toBe(true);
    const diffed = await client.launch(masterId, { extra_vars: { app: "traefik" }, limit: "edge01", job_type: "check", diff_mode: true });
    expect(await settle(client, diffed.jobId)).toMatchObject({ diff_mode: true });
    const events = await client.changedEvents(diffed.jobId);
    // Run container reports changed only when the running container differs from the entry (the simulated Docker host's state).
    expect(events.map((e) => e.task)).toEqual(expect.arrayContaining(["Ensure volumes", "Pull image"]));
    const pull = events.find((e) => e.task === "Pull image")!;
    expect((pull.event_data.res as { diff: { after: string }[] }).diff[0]!.after).toMatch(/^image: "traefik:/);
  });

  it("throws aap_ignored_fields with the created job id when the template does not prompt", async () => {
    const seeder = await client.findJobTemplate("Setup AAP (Seeder)");
    const err = await client.launch(seeder.id, { limit: "edge01", extra_vars: { ticket: "CHG-1" } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AapIgnoredFieldsError);
    const e = err as AapIgnoredFieldsError;
    expect(e.code).toBe("aap_ignored_fields");
    expect(e.ignored).toEqual({ limit: "edge01", extra_vars: { ticket: "CHG-1" } });
    expect(e.message).toContain("ask_limit_on_launch");
    expect(e.message).toContain("ask_variables_on_launch");
    expect(fake.job(e.jobId)).toMatchObject({ templateName: "Setup AAP (Seeder)", limit: "", extraVars: {} });
    expect(await client.cancelJob(e.jobId)).toBe(true);
  });

  it("maps a 400 launch to an ApiError carrying the DRF field message", async () => {
    fake.patchTemplate("Cleanup OCP Folders", { inventory: null });
    try {
      const jt = await client.findJobTemplate("Cleanup OCP Folders");
      const err = await client.launch(jt.id, { extra_vars: { app: "ocp" } }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(400);
      expect((err as ApiError).reason).toBe("resources_needed_to_start: Job Template inventory is missing or undefined.");
      expect(fake.launches().some((l) => l.templateName === "Cleanup OCP Folders")).toBe(false);
    } finally {
      fake.patchTemplate("Cleanup OCP Folders", { inventory: 1 });
    }
  });

  it("rejects a bad token with a 401 ApiError that says AAP rejected the credentials", async () => {
    const bad = new AapClient({ url: fake.url, token: "wrong-token" });
    const err = await bad.getJob(1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    const e = err as ApiError;
    expect(e.status).toBe(401);
    expect(e.retryable).toBe(false);
    expect(e.reason).toBe("Authentication credentials were not provided. To establish a login session, visit /api/login/.");
    expect(e.userMessage).toBe("AAP rejected the credentials labops uses (401).");
    expect(e.message).not.toContain("wrong-token");
  });

  it("cancels a running job (202) and reports false once it has finished (405)", async () => {
    const slow = new FakeAap({ ...profileAap(), stepMs: 40, pendingMs: 20 });
    const c = new AapClient({ url: await slow.start(), token: slow.token });
    try {
      const { jobId } = await c.launch(7, { extra_vars: { app: "grafana" }, limit: "docker01" });
      await until(() => c.getJob(jobId), (j) => j.status === "running");
      expect(await c.cancelJob(jobId)).toBe(true);
      const done = await settle(c, jobId);
      expect(done.status).toBe("canceled");
      expect(done.failed).toBe(true);
      expect(await c.cancelJob(jobId)).toBe(false);
    } finally {
      await slow.close();
    }
  });

  it("relaunches on the failed hosts only, and refuses when none failed", async () => {
    const { jobId } = await client.launch(masterId, { extra_vars: { app: "grafana", target_host: "docker02" }, limit: "docker02" });
    await settle(client, jobId);
    const { jobId: retry } = await client.relaunchJob(jobId, { hosts: "failed" });
    expect(retry).not.toBe(jobId);
    const job = await settle(client, retry);
    expect(job).toMatchObject({ limit: "docker02", launch_type: "relaunch", extra_vars: '{"app": "grafana", "target_host": "docker02"}' });

    const { jobId: ok } = await client.launch(masterId, { extra_vars: { app: "traefik" }, limit: "edge01" });
    await settle(client, ok);
    const err = await client.relaunchJob(ok, { hosts: "failed" }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(400);
    expect((err as ApiError).reason).toBe("hosts: Cannot relaunch because previous job had 0 failed hosts.");
    const again = await client.relaunchJob(ok);
    expect((await settle(client, again.jobId)).limit).toBe("edge01");
  });

  it("lists jobs with Django-style filters across pages", async () => {
    const small = new AapClient({ url: fake.url, token: fake.token, pageSize: 2 });
    const all = await small.listJobs({ job_template: masterId, order_by: "-id" });
    expect(all.length).toBeGreaterThan(4);
    expect(all.every((j) => j.job_template === masterId)).toBe(true);
    expect(all.map((j) => j.id)).toEqual([...all.map((j) => j.id)].sort((a, b) => b - a));
    const failed = await small.listJobs({ status__in: "failed,error,canceled", finished__gt: "2000-01-01T00:00:00Z" });
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.every((j) => ["failed", "error", "canceled"].includes(j.status))).toBe(true);
    const future = await small.listJobs({ created__gt: new Date(Date.now() + 60_000).toISOString() });
    expect(future).toEqual([]);
  });

  it("syncs the project and waits for the update to succeed", async () => {
    const project = await client.findProject("HomeLab Ops");
    expect(project).toMatchObject({ scm_type: "git", status: "successful" });
    const { updateId } = await client.updateProject(project.id);
    const update = await until(() => client.getProjectUpdate(updateId), (u) => TERMINAL_JOB_STATUSES.includes(u.status));
    expect(update).toMatchObject({ type: "project_update", status: "successful", failed: false });
    const after = await client.findProject("HomeLab Ops");
    expect(after.scm_revision).not.toBe(project.scm_revision);
  });

  it("syncs the Nautobot inventory source", async () => {
    const src = await client.findInventorySource("Nautobot");
    expect(src).toMatchObject({ source: "scm", source_path: "inventory/nautobot.yml" });
    const { updateId } = await client.updateInventorySource(src.id);
    const seen = new Set<string>();
    const update = await until(() => client.getInventoryUpdate(updateId), (u) => (seen.add(u.status), TERMINAL_JOB_STATUSES.includes(u.status)));
    expect(update).toMatchObject({ type: "inventory_update", status: "successful" });
    expect(seen.has("running") || seen.has("waiting") || seen.has("pending")).toBe(true);
  });

  it("aborts a call through its AbortSignal", async () => {
    fake.http.inject({ path: /\/jobs\/\d+\/$/, delayMs: 500, times: 1 });
    const ctrl = new AbortController();
    const pending = client.getJob(100, { signal: ctrl.signal });
    setTimeout(() => ctrl.abort(), 20);
    const err = await pending.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).reason).toBe("aborted");
  });
});

describe("AapClient with the AAP 2.5 gateway path", () => {
  const fake = new FakeAap({ ...profileAap(), stepMs: 5, pendingMs: 5, apiPath: "/api/controller/v2/" });
  let client: AapClient;
  beforeAll(async () => {
    client = new AapClient({ url: await fake.start(), token: fake.token, apiPath: "/api/controller/v2/", pageSize: 5 });
  });
  afterAll(() => fake.close());

  it("launches and pages events under /api/controller/v2/", async () => {
    const jt = await client.findJobTemplate("Deploy GitHub Runner");
    expect(jt.url).toBe(`/api/controller/v2/job_templates/${jt.id}/`);
    const { jobId } = await client.launch(jt.id, { extra_vars: { runner_labels: "homelab" }, limit: "runner01" });
    const done = await settle(client, jobId);
    expect(done).toMatchObject({ status: "successful", url: `/api/controller/v2/jobs/${jobId}/` });
    const events = await client.jobEvents(jobId);
    expect(events[0]?.event).toBe("playbook_on_start");
    expect(events.at(-1)?.event).toBe("playbook_on_stats");
    const paths = new Set(fake.http.requests.map((r) => r.path));
    expect(paths.has(`/api/controller/v2/jobs/${jobId}/job_events/`)).toBe(true);
    expect([...paths].some((p) => p.startsWith("/api/v2/"))).toBe(false);
    expect(fake.http.requests.some((r) => r.query.get("page") === "2")).toBe(true);
  });
});

describe("AapClient name lookups", () => {
  it("refuses an ambiguous name (names are unique only per organization)", async () => {
    const srv = new FakeHttpServer("aap-dupes");
    const jt = (id: number, org: string) => ({ id, type: "job_template", name: "Master Deploy", job_type: "run", inventory: 1, project: 6, playbook: "m.yml", ask_variables_on_launch: true, ask_limit_on_launch: true, summary_fields: { organization: { id, name: org } } });
    srv.route("GET", "/api/v2/job_templates/", () => ({ status: 200, body: { count: 2, next: null, previous: null, results: [jt(7, "Homelab"), jt(9, "Lab 2")] } }));
    const url = await srv.listen();
    try {
      const err = await new AapClient({ url, token: "t" }).findJobTemplate("Master Deploy").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).code).toBe("aap_template_ambiguous");
      expect((err as UserError).message).toContain("7, 9");
    } finally {
      await srv.close();
    }
  });
});
