import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (rel: string) => readFileSync(join(ROOT, rel), "utf8");
// The !unsafe tag (Ansible's "do not template") is kept as a plain string.
const yaml = <T>(rel: string) => parse(read(rel), { merge: true, customTags: [{ tag: "!unsafe", resolve: (s: string) => s }] }) as T;

type Task = { name: string; [module: string]: unknown };
type Play = { name: string; hosts: string; tasks?: Task[]; pre_tasks?: Task[]; roles?: unknown[]; tags?: string[] };

describe("docker_app role", () => {
  it("names its deploy tasks as the bot and the fake AAP show them, in order", () => {
    const tasks = yaml<Task[]>("playbooks/roles/docker_app/tasks/deploy.yml");
    expect(tasks.map((t) => `docker_app : ${t.name}`)).toEqual([
      "docker_app : Ensure network", "docker_app : Ensure volumes", "docker_app : Pull image", "docker_app : Run container", "docker_app : Wait for healthcheck",
    ]);
    const modules = tasks.map((t) => Object.keys(t).find((k) => k.includes(".")));
    expect(modules).toEqual(["community.docker.docker_network", "community.docker.docker_volume", "community.docker.docker_image", "community.docker.docker_container", "ansible.builtin.uri"]);
    const wait = tasks[4]!;
    expect(wait.when).toContain("not ansible_check_mode");
    expect(wait.until).toBeDefined();
  });

  it("runs one action by docker_app_action: deploy (deploy.yml), restart, logs or remove, each behind its when", () => {
    const tasks = yaml<Task[]>("playbooks/roles/docker_app/tasks/main.yml");
    expect(tasks.map((t) => [t.name, t.when])).toEqual([
      ["Deploy the app", "docker_app_action == 'deploy'"],
      ["Look up container", "docker_app_action in ['restart', 'logs']"],
      ["Check the container exists", "docker_app_action in ['restart', 'logs']"],
      ["Restart container", "docker_app_action == 'restart'"],
      ["Read container logs", "docker_app_action == 'logs'"],
      ["Remove container", "docker_app_action == 'remove'"],
    ]);
    expect(tasks[0]!["ansible.builtin.import_tasks"]).toBe("deploy.yml");
    // The log read is an argv (no shell), bounded by the asserted line count, read-only in check mode too.
    const logs = tasks[4]!;
    expect(logs["ansible.builtin.command"]).toEqual({ argv: ["docker", "logs", "--timestamps", "--tail", "{{ docker_app_log_lines | int }}", "{{ docker_app_name }}"] });
    expect(logs).toMatchObject({ changed_when: false, check_mode: false, register: "docker_app_logs" });
    expect(tasks[5]!["community.docker.docker_container"]).toEqual({ name: "{{ docker_app_name }}", state: "absent" });
  });

  it("is what master_deploy.yml runs, after checking the app and its host", () => {
    const [play] = yaml<Play[]>("playbooks/master_deploy.yml");
    expect(play?.roles).toEqual([expect.objectContaining({ role: "docker_app" })]);
    expect(play?.pre_tasks?.map((t) => t.name)).toEqual([
      "Require a limit to the app's host", "Check the requested action", "Check the app exists in app_list", "Check the app belongs to this host",
      "Check this host is a Docker host", "Check the app's entry is safe to run",
    ]);
    expect(play?.pre_tasks?.at(-1)?.when).toBe("master_deploy_action == 'deploy'");
  });
});

describe("setup_aap.yml (the Seeder)", () => {
  const [play] = yaml<Play[]>("playbooks/setup_aap.yml");
  const task = (name: string) => play!.tasks!.find((t) => t.name === name)!;

  it("creates the four job templates with the prompts the bot relies on", () => {
    const jt = task("Ensure job templates");
    const items = jt.loop as { name: string; playbook: string; ask_limit?: boolean; ask_job_type?: boolean }[];
    expect(items.map((i) => i.name)).toEqual(["Master Deploy", "Setup AAP (Seeder)", "Deploy GitHub Runner", "Cleanup OCP Folders"]);
    const args = jt["awx.awx.job_template"] as Record<string, string | boolean>;
    expect(args.ask_variables_on_launch).toBe(true);
    expect(args.ask_limit_on_launch).toMatch(/item.ask_limit \| default\(true\)/);
    expect(args.ask_job_type_on_launch).toMatch(/item.ask_job_type \| default\(false\)/);
    expect(items.find((i) => i.name === "Master Deploy")?.ask_job_type).toBe(true);
    for (const i of items) expect(existsSync(join(ROOT, i.playbook)), i.playbook).toBe(true);
  });

  it("wires the project, the Nautobot inventory source and secret-safe credentials", () => {
    expect(task("Ensure organization")["awx.awx.organization"]).toMatchObject({ name: "{{ seed_org }}" });
    expect((play as unknown as { vars: Record<string, string> }).vars.seed_org).toBe("Homelab");
    expect(task("Ensure project")["awx.awx.project"]).toMatchObject({ name: "HomeLab Ops", scm_type: "git", scm_url: "{{ labops_repo_url }}" });
    expect(task("Ensure inventory")["awx.awx.inventory"]).toMatchObject({ name: "Homelab (Nautobot)" });
    expect(task("Ensure inventory source")["awx.awx.inventory_source"]).toMatchObject({ name: "Nautobot", source: "scm", source_path: "inventory/nautobot.yml", source_project: "HomeLab Ops" });
    const credentialTasks = play!.tasks!.filter((t) => "awx.awx.credential" in t);
    expect(credentialTasks.length).toBeGreaterThanOrEqual(3);
    for (const t of credentialTasks) expect(t.no_log, t.name).toBe(true);
    const types = (task("Ensure credential types").loop as { name: string; inputs: { fields: { id: string; secret?: boolean }[] } }[]);
    expect(types.map((t) => t.name)).toEqual(["Nautobot API", "GitHub Runner Token"]);
    for (const t of types) expect(t.inputs.fields.find((f) => f.id === "token")?.secret).toBe(true);
  });
});

describe("cleanup_ocp.yml", () => {
  it("has a delete play and a restore play selected by tag or cleanup_action", () => {
    const plays = yaml<(Play & { vars: Record<string, unknown> })[]>("playbooks/cleanup_ocp.yml");
    expect(plays.map((p) => [p.name, p.tags])).toEqual([["Delete OCP folders", ["delete"]], ["Restore OCP folders", ["restore"]]]);
    expect(String(plays[0]!.vars.cleanup_share)).toContain("/mnt/Media/docker-media");
    expect(plays[1]!.vars.cleanup_action, "merged from the delete play").toBe("delete");
    expect(JSON.stringify(plays[1]!.tasks)).toContain("'restore' in ansible_run_tags");
  });
});

describe("inventory, collections and ansible.cfg", () => {
  it("reads Nautobot with config contexts as a mapping, grouped by role and platform", () => {
    const inv = yaml<Record<string, unknown>>("inventory/nautobot.yml");
    expect(inv).toMatchObject({ plugin: "networktocode.nautobot.inventory", config_context: true, flatten_config_context: false, plurals: false, group_by: ["role", "platform"] });
    expect(inv.compose).toBeDefined();
    // Inventory values stay data: the plugin's allow_unsafe (5.13.1+) would make config contexts templates again.
    expect(inv.allow_unsafe ?? false).toBe(false);
    expect(read("inventory/nautobot.yml"), "no secrets in the inventory file").not.toMatch(/token:\s*\S/);
  });

  it("declares the collections AAP installs and points roles_path at playbooks/roles", () => {
    const req = yaml<{ collections: { name: string }[] }>("collections/requirements.yml");
    expect(req.collections.map((c) => c.name).sort()).toEqual(["awx.awx", "community.docker", "networktocode.nautobot"]);
    // 5.13.0 is the first release that marks config contexts (and every host var) unsafe: never templated.
    const nautobot = (req.collections as { name: string; version?: string }[]).find((c) => c.name === "networktocode.nautobot");
    expect(nautobot?.version).toMatch(/^>=5\.(1[3-9]|[2-9][0-9])\.\d+,<6\.0\.0$/);
    expect(read("ansible.cfg")).toMatch(/^roles_path = \.\/playbooks\/roles$/m);
  });
});
