import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLab, type Lab } from "../../lab/create-lab.ts";
import { clientEnv, INSTALL_HINT, missingClients, HERE, report, runPlaybook, runPython, type Operation } from "./run-clients.ts";

/**
 * The simulated lab driven by clients nobody here wrote, from Debian's packages: the awx.awx collection,
 * community.general's proxmox modules with proxmoxer, proxmoxer itself and pynetbox. Each operation an
 * operator or a playbook performs is printed ok/FAILED; any failure fails the test.
 */
describe.concurrent("real clients against the simulated lab", () => {
  let lab: Lab;
  let env: Record<string, string>;
  beforeAll(async () => {
    expect(await missingClients(), INSTALL_HINT).toEqual([]);
    lab = await createLab({ stepMs: 10 });
    env = clientEnv(lab);
  });
  afterAll(async () => {
    await lab?.close();
  });

  const check = (ops: Operation[], expected: string[]) => {
    console.log(report(ops));
    expect(ops.filter((o) => !o.ok).map((o) => `${o.name}: ${o.detail}`)).toEqual([]);
    expect(ops.map((o) => o.name)).toEqual(expected);
  };

  it("awx.awx collection against the fake AAP", async () => {
    const { ops } = await runPlaybook("awx.awx", join(HERE, "awx-operations.yml"), env);
    check(ops, [
      "ping and version", "organization create", "organization list", "credential type create", "credential create",
      "credential secret reads back as $encrypted$", "project create", "project update", "inventory create", "inventory source create",
      "inventory source update", "job template create", "job launch", "job wait", "notification template create", "job list",
      "workflow launch", "workflow approval approve", "workflow node wait",
    ]);
  }, 240_000);

  it("community.general proxmox modules against the fake Proxmox (TLS, the lab's CA)", async () => {
    const { ops } = await runPlaybook("community.general", join(HERE, "proxmox-operations.yml"), env);
    check(ops, [
      "proxmox_kvm state=current (a VM's status)", "proxmox_storage_info (storage list)", "proxmox_template state=present (storage content has the template)",
      "proxmox LXC create", "proxmox LXC start", "proxmox LXC stop (status/shutdown)", "proxmox_tasks_info (tasks list)", "proxmox LXC remove",
    ]);
  }, 240_000);

  it("proxmoxer against the fake Proxmox (TLS, the lab's CA)", async () => {
    const ops = await runPython("proxmoxer", join(HERE, "proxmoxer_operations.py"), env);
    check(ops, [
      "version", "nodes list", "cluster resources type=vm", "cluster nextid", "nodes/{node}/qemu", "nodes/{node}/qemu/{vmid}/status/current",
      "nodes/{node}/lxc", "nodes/{node}/lxc/{vmid}/config", "pools list", "storage list", "nodes/{node}/storage", "storage content",
      "nodes/{node}/tasks", "a wrong token is refused with 401",
    ]);
  }, 120_000);

  it("pynetbox against the fake Nautobot", async () => {
    const ops = await runPython("pynetbox", join(HERE, "pynetbox_operations.py"), env);
    check(ops, [
      "API root with API-Version header", "api.version without a token is refused (LOGIN_REQUIRED)", "status", "dcim devices list", "dcim devices count", "dcim devices get by name",
      "dcim devices get by id", "dcim devices filter by name__ic", "dcim devices paged (limit=2)", "virtualization virtual machines list",
      "extras config contexts list", "ipam ip addresses filter",
    ]);
  }, 120_000);
});
