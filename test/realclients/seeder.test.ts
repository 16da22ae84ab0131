import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { clientEnv, INSTALL_HINT, missingClients, report, runPlaybook } from "./run-clients.ts";

type Obj = Record<string, any>;

const SEEDER_TASKS = [
  "Ensure organization", "Ensure credential types", "Ensure Nautobot API credential", "Ensure GitHub Runner Token credential",
  "Ensure SSH credentials", "Ensure AAP Controller credential", "Ensure project", "Ensure inventory", "Ensure inventory source",
  "Ensure webhook notification", "Ensure job templates", "Grant the labops user its roles",
];

/**
 * The Seeder for real: `ansible-playbook playbooks/setup_aap.yml` (awx.awx from Debian's ansible) fills a freshly
 * installed simulated AAP with everything labops uses; a second identical run changes nothing; then labops'
 * own /deploy, /seed-aap and /sync all work against what the Seeder made.
 */
describe("the Seeder (playbooks/setup_aap.yml) against an empty simulated AAP", () => {
  let h: Harness;
  let env: Record<string, string>;
  let dir: string;
  let vars: string;
  const api = async (path: string): Promise<Obj> => {
    const res = await fetch(`${h.lab.env.AAP_URL}/api/v2/${path}`, { headers: { authorization: `Bearer ${h.lab.env.AAP_TOKEN}` } });
    return (await res.json()) as Obj;
  };
  const one = async (endpoint: string, name: string): Promise<Obj> => {
    const page = await api(`${endpoint}/?name=${encodeURIComponent(name)}`);
    expect(page.count, `${endpoint} named ${name}`).toBe(1);
    return page.results[0] as Obj;
  };

  beforeAll(async () => {
    expect(await missingClients(), INSTALL_HINT).toEqual([]);
    h = await createHarness({ lab: { aap: { empty: true } } });
    env = clientEnv(h.lab);
    dir = mkdtempSync(join(tmpdir(), "labops-seeder-"));
    vars = join(dir, "seed-secrets.json");
    writeFileSync(vars, JSON.stringify({
      nautobot_token: h.lab.env.NAUTOBOT_TOKEN, github_runner_url: "https://github.com/homelab", github_runner_token: "AAAARUNNERTOKEN",
      truenas_ssh_key: "-----BEGIN OPENSSH PRIVATE KEY-----\ntruenas\n-----END OPENSSH PRIVATE KEY-----\n",
      homelab_ssh_key: "-----BEGIN OPENSSH PRIVATE KEY-----\nhomelab\n-----END OPENSSH PRIVATE KEY-----\n",
      aap_controller_token: h.lab.env.AAP_TOKEN, labops_aap_user: "labops", labops_hook_url: "https://labops.lab.home.arpa/hooks/aap", labops_hook_token: "hook-token",
    }));
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("creates every object labops uses, under the names it looks up", async () => {
    expect((await api("job_templates/")).count).toBe(0);
    // The bot's AAP user exists before the Seeder grants it its roles (docs/DEPLOYMENT.md, section 3.1).
    const made = await fetch(`${h.lab.env.AAP_URL}/api/v2/users/`, {
      method: "POST", headers: { authorization: `Bearer ${h.lab.env.AAP_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify({ username: "labops", password: "not-used-here" }),
    });
    expect(made.status).toBe(201);
    const { ops, stats } = await runPlaybook("seeder (1st run)", "playbooks/setup_aap.yml", env, ["-e", `@${vars}`]);
    console.log(report(ops));
    expect(ops.filter((o) => !o.ok).map((o) => `${o.name}: ${o.detail}`)).toEqual([]);
    expect(ops.map((o) => o.name)).toEqual(SEEDER_TASKS);
    expect(stats.localhost).toMatchObject({ failures: 0, changed: 12 });

    const org = await one("organizations", "Homelab");
    const project = await one("projects", "HomeLab Ops");
    expect(project).toMatchObject({ organization: org.id, scm_type: "git", scm_branch: "main", status: "successful" });
    const inventory = await one("inventories", "Homelab (Nautobot)");
    const source = await one("inventory_sources", "Nautobot");
    const nautobotCred = await one("credentials", "Nautobot API");
    expect(source).toMatchObject({ inventory: inventory.id, source: "scm", source_project: project.id, source_path: "inventory/nautobot.yml", credential: nautobotCred.id, update_on_launch: true });
    expect(nautobotCred.inputs).toEqual({ url: h.lab.env.NAUTOBOT_URL, token: "$encrypted$" });
    const hook = await one("notification_templates", "labops");
    expect(hook.notification_configuration).toMatchObject({ url: "https://labops.lab.home.arpa/hooks/aap", http_method: "POST" });
    const templates: Record<string, [string, string[]]> = {
      "Master Deploy": ["playbooks/master_deploy.yml", ["Homelab SSH"]],
      "Setup AAP (Seeder)": ["playbooks/setup_aap.yml", ["AAP Controller"]],
      "Deploy GitHub Runner": ["playbooks/github_runner.yml", ["GitHub Runner Token", "Homelab SSH"]],
      "Cleanup OCP Folders": ["playbooks/cleanup_ocp.yml", ["TrueNAS SSH"]],
    };
    for (const [name, [playbook, creds]] of Object.entries(templates)) {
      const t = await one("job_templates", name);
      expect(t, name).toMatchObject({ playbook, inventory: inventory.id, project: project.id, organization: org.id, ask_variables_on_launch: true });
      expect((t.summary_fields.credentials as Obj[]).map((c) => c.name).sort(), name).toEqual(creds);
      expect((await api(`job_templates/${t.id}/notification_templates_error/`)).results.map((n: Obj) => n.name), name).toEqual(["labops"]);
    }
    expect((await one("job_templates", "Master Deploy")).ask_job_type_on_launch).toBe(true);
    // Least privilege for the bot's user: execute on the four templates, update on the project and the inventory.
    const holders = async (role: Obj) => ((await api(`roles/${role.id}/users/`)).results as Obj[]).map((u) => u.username);
    for (const name of Object.keys(templates)) expect(await holders((await one("job_templates", name)).summary_fields.object_roles.execute_role), name).toEqual(["labops"]);
    expect(await holders(project.summary_fields.object_roles.update_role)).toEqual(["labops"]);
    expect(await holders(inventory.summary_fields.object_roles.update_role)).toEqual(["labops"]);
    expect(await holders(project.summary_fields.object_roles.admin_role)).toEqual([]);
  }, 240_000);

  it("a second identical run changes nothing (changed=0)", async () => {
    const { ops, stats } = await runPlaybook("seeder (2nd run)", "playbooks/setup_aap.yml", env, ["-e", `@${vars}`]);
    console.log(report(ops.map((o) => ({ ...o, name: `${o.name}${o.changed ? " (changed)" : ""}` }))));
    expect(ops.filter((o) => !o.ok || o.changed).map((o) => o.name)).toEqual([]);
    expect(stats.localhost).toMatchObject({ failures: 0, changed: 0 });
  }, 240_000);

  it("then labops' /deploy, /seed-aap and /sync all work against the objects the Seeder made", async () => {
    for (const line of ["/deploy traefik", "/seed-aap", "/sync all"]) {
      const ack = await h.run(line);
      expect(ack.state, line).toBe("queued");
      const final = await h.notifier.final(ack.jobId!);
      expect(final.state, `${line}: ${renderText(final)}`).toBe("success");
    }
    const deploy = h.lab.aap.launches().find((l) => l.templateName === "Master Deploy");
    expect(deploy).toMatchObject({ limit: "edge01", extraVars: { app: "traefik" } });
    expect(h.lab.aap.launches().some((l) => l.templateName === "Setup AAP (Seeder)")).toBe(true);
  }, 120_000);
});
