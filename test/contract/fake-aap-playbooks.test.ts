import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { AapClient, TERMINAL_JOB_STATUSES } from "../../src/clients/aap.ts";
import { FakeAap } from "../../lab/aap/fake-aap.ts";

const ROOT = new URL("../../playbooks/", import.meta.url).pathname;
/** Ansible's `!unsafe` marks a string as not templated; for names it is just a string. */
const yamlOptions = { customTags: [{ tag: "!unsafe", resolve: (s: string) => s }] };

/** Every play and task name in a playbook, its imported task files and the roles it uses. */
function realNames(file: string): { plays: string[]; tasks: Set<string> } {
  const plays: string[] = [];
  const tasks = new Set<string>();
  const walk = (items: unknown, prefix = "") => {
    for (const t of (Array.isArray(items) ? items : []) as Record<string, unknown>[]) {
      if (typeof t?.name === "string") tasks.add(prefix + t.name);
      for (const k of ["block", "rescue", "always"]) walk(t?.[k], prefix);
    }
  };
  for (const play of parse(readFileSync(join(ROOT, file), "utf8"), yamlOptions) as Record<string, unknown>[]) {
    if (typeof play.name === "string") plays.push(play.name);
    for (const k of ["pre_tasks", "tasks", "post_tasks"]) walk(play[k]);
    for (const r of (play.roles ?? []) as (string | { role: string })[]) {
      const role = typeof r === "string" ? r : r.role;
      const dir = join(ROOT, "roles", role, "tasks");
      for (const f of readdirSync(dir)) walk(parse(readFileSync(join(dir, f), "utf8"), yamlOptions), `${role} : `);
    }
  }
  return { plays, tasks };
}

describe("the fake AAP runs the repository's playbooks by their real play and task names", () => {
  let fake: FakeAap;
  let aap: AapClient;
  beforeAll(async () => {
    fake = new FakeAap({ stepMs: 5 });
    aap = new AapClient({ url: await fake.start(), token: fake.token });
  });
  afterAll(() => fake.close());

  it.each([
    ["Master Deploy", "master_deploy.yml", { extra_vars: { app: "traefik" }, limit: "edge01" }],
    ["Master Deploy", "master_deploy.yml", { extra_vars: { app: "traefik", app_action: "restart" }, limit: "edge01" }],
    ["Master Deploy", "master_deploy.yml", { extra_vars: { app: "traefik", app_action: "logs", app_log_lines: 10 }, limit: "edge01" }],
    ["Master Deploy", "master_deploy.yml", { extra_vars: { app: "traefik", app_action: "remove" }, limit: "edge01" }],
    ["Setup AAP (Seeder)", "setup_aap.yml", {}],
    ["Deploy GitHub Runner", "github_runner.yml", { extra_vars: { runner_name: "runner01" }, limit: "runner01" }],
    ["Cleanup OCP Folders", "cleanup_ocp.yml", { extra_vars: { cleanup_folders: [] }, limit: "truenas01" }],
    ["Cleanup OCP Folders", "cleanup_ocp.yml", { extra_vars: { cleanup_action: "restore", cleanup_folders: [] }, limit: "truenas01" }],
  ] as const)("%s (%s)", async (template, file, body) => {
    const t = await aap.findJobTemplate(template);
    const { jobId } = await aap.launch(t.id, body as never);
    let job = await aap.getJob(jobId);
    while (!TERMINAL_JOB_STATUSES.includes(job.status) || !job.event_processing_finished) {
      await new Promise((r) => setTimeout(r, 10));
      job = await aap.getJob(jobId);
    }
    const events = await aap.jobEvents(jobId);
    const real = realNames(file);
    const play = events.find((e) => e.event === "playbook_on_play_start")!;
    const vars = ("extra_vars" in body ? body.extra_vars : {}) as Record<string, unknown>;
    const rendered = real.plays.map((p) => p.replace(/\{\{\s*(\w+)(?:\s*\|\s*default\('([^']*)'\))?\s*\}\}/g, (_, k: string, d?: string) => String(vars[k] ?? d ?? "")));
    expect(rendered).toContain(play.play);
    const taskNames = [...new Set(events.filter((e) => e.event === "playbook_on_task_start").map((e) => (e.role ? `${e.role} : ${e.task}` : e.task)))]
      .filter((n) => n !== "Gathering Facts");
    expect(taskNames.length).toBeGreaterThan(0);
    for (const n of taskNames) expect([...real.tasks], `task "${n}" of the fake is not in playbooks/${file}`).toContain(n);
  });
});
