import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { LAB_GITHUB_SCOPE, LAB_LXC_TEMPLATE } from "../../lab/homelab.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const operator: Actor = { platform: "slack", id: "UOPERATOR", name: "olivia", groups: [] };
const LXC_POST = /^\/api2\/json\/nodes\/[^/]+\/lxc$/;

describe("/runner end to end (Proxmox LXC → Nautobot VM → AAP Deploy GitHub Runner)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.proxmoxSettings.taskPollInterval = 20;
        c.nautobotSettings.pollInterval = 20;
        c.limits.jobAttempts = 4;
        c.permissions.grants.push({ role: "operator", slackUsers: [operator.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  const guest = (name: string) => h.lab.proxmox.guests().filter((g) => g.name === name);
  const runnerLaunches = (name: string) => h.lab.aap.launches().filter((l) => l.templateName === "Deploy GitHub Runner" && l.limit === name);

  it("creates the next free runner: unprivileged LXC from the template, started, recorded in Nautobot, installed once by AAP", async () => {
    const ack = await h.run("/runner create");
    expect(ack.state).toBe("queued");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    expect(final.title).toBe("Create runner runner02: ready");

    const [ct, ...more] = guest("runner02");
    expect(more).toHaveLength(0);
    expect(ct).toMatchObject({ type: "lxc", status: "running", tags: "labops;runner" });
    expect(ct!.config).toMatchObject({
      ostemplate: LAB_LXC_TEMPLATE, unprivileged: "1", hostname: "runner02", cores: "2", memory: "2048",
      rootfs: "local-lvm:16", net0: "name=eth0,bridge=vmbr0,ip=dhcp",
    });
    expect(renderText(final)).toContain(`LXC ${ct!.vmid} created on ${ct!.node}`);

    const vm = await h.labops.clients.nautobot!.getVirtualMachine("runner02");
    expect(vm?.cluster?.name).toBe("pve");
    expect(vm?.role?.name).toBe("ci-runner");
    expect(vm?.vcpus).toBe(2);

    const launches = runnerLaunches("runner02");
    expect(launches).toHaveLength(1);
    // config.sh registered it on GitHub under its host name, the name /runner destroy looks for.
    expect(h.lab.github.runners(LAB_GITHUB_SCOPE).map((r) => r.name)).toContain("runner02");
    expect(launches[0]!.extraVars).toMatchObject({ runner_name: "runner02", runner_vmid: ct!.vmid, runner_node: ct!.node });
  });

  it("asks again when cluster/nextid hands out a VMID that is already taken", async () => {
    h.lab.proxmox.http.inject({ method: "GET", path: "/api2/json/cluster/nextid", status: 200, body: { data: "161" }, times: 1 });
    const posts = h.lab.proxmox.http.count("POST", LXC_POST);
    const ack = await h.run("/runner create runner07 --node pve03");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    expect(h.lab.proxmox.http.count("POST", LXC_POST)).toBe(posts + 2); // 161 refused, then a free one
    const [ct] = guest("runner07");
    expect(ct!.vmid).not.toBe(161);
    expect(ct!.node).toBe("pve03");
    expect(guest("runner01")[0]!.vmid).toBe(161); // the existing container was not touched
  });

  it("reports a failed vzcreate task with its exit status and log, and goes no further", async () => {
    h.lab.proxmox.failNextTask("vzcreate", "unable to create CT - no space left on device");
    const launches = h.lab.aap.launches().length;
    const ack = await h.run("/runner create runner08");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("failure");
    const text = renderText(final);
    expect(text).toContain("Proxmox task failed");
    expect(text).toContain("TASK ERROR: unable to create CT - no space left on device");
    expect(text).toContain("extracting archive");
    expect(guest("runner08")).toHaveLength(0);
    expect(h.lab.nautobot.hostId("runner08")).toBeUndefined();
    expect(h.lab.aap.launches().length).toBe(launches);
  });

  it("re-attaches after injected failures: no second LXC, no second Nautobot VM, no second AAP launch", async () => {
    h.lab.nautobot.http.inject({ method: "POST", path: "/api/virtualization/virtual-machines/", status: 500, times: 1 });
    h.lab.aap.http.inject({ method: "GET", path: new RegExp(`^${h.config.aap!.apiPath}jobs/\\d+/$`), status: 502, times: 3 });
    const posts = h.lab.proxmox.http.count("POST", LXC_POST);
    const ack = await h.run("/runner create runner09");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    const history = h.notifier.forJob(ack.jobId!)!.history.flatMap((m) => m.lines ?? []);
    expect(history.filter((l) => l.includes("failed; retrying")).length).toBe(2);
    expect(h.lab.proxmox.http.count("POST", LXC_POST)).toBe(posts + 1);
    expect(guest("runner09")).toHaveLength(1);
    expect(h.lab.proxmox.http.count("POST", /\/lxc\/\d+\/status\/start$/)).toBeGreaterThan(0);
    expect(runnerLaunches("runner09")).toHaveLength(1);
    const vms = await h.labops.clients.nautobot!.listHosts();
    expect(vms.filter((v) => v.name === "runner09")).toHaveLength(1);
  });

  it("lists runners with node, status and uptime", async () => {
    const ack = await h.run("/runner status");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    const text = renderText(final);
    expect(text).toMatch(/`runner01` · CT 161 on pve02 · running · up \d+ d/);
    expect(text).toMatch(/`runner02` · CT \d+ on pve0\d · running · up/);
    expect(text).not.toContain("dns01");
    expect(text).not.toContain("runner08");
  });

  it("destroys a runner only after confirmation by an admin, and journals it in Nautobot", async () => {
    const refused = await h.run("/runner destroy runner07", operator);
    expect(refused.state).toBe("failure");
    expect(renderText(refused)).toContain("needs the admin role");

    const ask = await h.run("/runner destroy runner07");
    expect(ask.state).toBe("warning");
    expect(ask.jobId).toBeUndefined();
    expect(guest("runner07")).toHaveLength(1); // nothing happens before the click
    const confirm = ask.buttons!.find((b) => b.label === "Destroy")!;
    const stolen = await dispatchAction(h.labops.ack, { actionId: confirm.id, actor: operator, channel: h.channel });
    expect(renderText(stolen.reply!)).toContain("Only tester can use this button.");

    const ghId = h.lab.github.runners(LAB_GITHUB_SCOPE).find((r) => r.name === "runner07")!.id;
    const clicked = await dispatchAction(h.labops.ack, { actionId: confirm.id, actor: h.admin, channel: h.channel });
    const final = await h.notifier.final(clicked.reply!.jobId!);
    expect(final.state).toBe("success");
    expect(guest("runner07")).toHaveLength(0);
    // Deregistered from GitHub first (through the REST API), then the container went.
    expect(h.lab.github.runners(LAB_GITHUB_SCOPE).some((r) => r.name === "runner07")).toBe(false);
    const ghDelete = h.lab.github.http.requests.findIndex((r) => r.method === "DELETE" && r.path === `/repos/${LAB_GITHUB_SCOPE}/actions/runners/${ghId}`);
    expect(ghDelete).toBeGreaterThanOrEqual(0);
    expect(renderText(final)).toContain(`Removed from GitHub ${LAB_GITHUB_SCOPE} (runner id ${ghId}, was online)`);
    expect(renderText(final).indexOf("Removed from GitHub")).toBeLessThan(renderText(final).indexOf("stopped"));
    const vmId = h.lab.nautobot.hostId("runner07");
    expect(h.lab.nautobot.journal().some((j) => j.objectId === vmId && j.comments.includes("decommissioned"))).toBe(true);
  });

  it("refuses to destroy a container that is not a runner, and suggests runners for a typo", async () => {
    const ask = await h.run("/runner destroy dns01");
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons![0]!.id, actor: h.admin, channel: h.channel });
    const final = await h.notifier.final(clicked.reply!.jobId!);
    expect(final.state).toBe("failure");
    expect(renderText(final)).toContain("not a runner");
    expect(guest("dns01")).toHaveLength(1);

    const typo = await h.run("/runner destroy runer02");
    const c2 = await dispatchAction(h.labops.ack, { actionId: typo.buttons![0]!.id, actor: h.admin, channel: h.channel });
    expect(renderText(await h.notifier.final(c2.reply!.jobId!))).toContain("Did you mean `runner02`");
  });

  it("answers an unknown runner before asking for a confirmation", async () => {
    await h.labops.lookups.refresh();
    const ask = await h.run("/runner destroy nope");
    expect(ask.state).toBe("failure");
    expect(ask.buttons).toBeUndefined();
    expect(renderText(ask)).toContain("No runner in Proxmox is called `nope`");
  });

  const destroy = async (name: string) => {
    const ask = await h.run(`/runner destroy ${name}`);
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons!.find((b) => b.label === "Destroy")!.id, actor: h.admin, channel: h.channel });
    return { jobId: clicked.reply!.jobId!, final: await h.notifier.final(clicked.reply!.jobId!) };
  };

  it("leaves a runner that is running a GitHub job alone, container included, and says why", async () => {
    h.lab.github.setBusy(LAB_GITHUB_SCOPE, "runner09", true);
    const { final } = await destroy("runner09");
    expect(final.state).toBe("failure");
    expect(renderText(final)).toContain("Runner `runner09` is running a GitHub Actions job in homelab/infra right now");
    expect(guest("runner09")).toHaveLength(1);
    expect(guest("runner09")[0]!.status).toBe("running");
    expect(h.lab.github.runners(LAB_GITHUB_SCOPE).some((r) => r.name === "runner09")).toBe(true);

    // A job taken between labops' list and its delete: GitHub refuses the delete (422), and the container stays.
    h.lab.github.setBusy(LAB_GITHUB_SCOPE, "runner09", false);
    h.lab.github.http.inject({ method: "GET", path: `/repos/${LAB_GITHUB_SCOPE}/actions/runners`, times: 1, onMatch: () => h.lab.github.setBusy(LAB_GITHUB_SCOPE, "runner09", true) });
    const raced = await destroy("runner09");
    expect(renderText(raced.final)).toContain("is running a GitHub Actions job");
    expect(guest("runner09")).toHaveLength(1);
    h.lab.github.setBusy(LAB_GITHUB_SCOPE, "runner09", false);
  });

  it("removes from GitHub once across a failed attempt, and a runner GitHub no longer knows is no obstacle", async () => {
    // The first attempt dies after the GitHub removal (Proxmox down): the retry does not remove again, and finishes.
    h.lab.proxmox.http.inject({ method: "GET", path: /\/lxc\/\d+\/status\/current$/, status: 500, times: 3 });
    const before = h.lab.github.http.count("DELETE", /actions\/runners\/\d+$/);
    const { jobId, final } = await destroy("runner09");
    expect(final.state).toBe("success");
    expect(h.lab.github.http.count("DELETE", /actions\/runners\/\d+$/)).toBe(before + 1);
    expect(h.notifier.forJob(jobId)!.history.flatMap((m) => m.lines ?? []).some((l) => l.includes("failed; retrying"))).toBe(true);
    expect(guest("runner09")).toHaveLength(0);

    // runner02 was removed on GitHub by hand: the destroy goes on and says so.
    h.lab.github.runners(LAB_GITHUB_SCOPE).splice(h.lab.github.runners(LAB_GITHUB_SCOPE).findIndex((r) => r.name === "runner02"), 1);
    const gone = await destroy("runner02");
    expect(gone.final.state).toBe("success");
    expect(renderText(gone.final)).toContain(`Not registered on GitHub ${LAB_GITHUB_SCOPE}: nothing to remove there`);
    expect(guest("runner02")).toHaveLength(0);
  });

  it("deregisters a runner whose container was deleted before, so it no longer lingers offline on GitHub", async () => {
    h.lab.github.register(LAB_GITHUB_SCOPE, "runner42");
    h.lab.github.setOffline(LAB_GITHUB_SCOPE, "runner42");
    await h.labops.lookups.refresh();
    expect(h.labops.lookups.runners()).toContain("runner42"); // so the acknowledgement does not refuse the name
    const { final } = await destroy("runner42");
    expect(final.state).toBe("success");
    const text = renderText(final);
    expect(text).toContain(`Removed from GitHub ${LAB_GITHUB_SCOPE}`);
    expect(text).toContain("was offline");
    expect(text).toContain("No container in Proxmox (deleted before): only the registration on GitHub was left");
    expect(h.lab.github.runners(LAB_GITHUB_SCOPE).some((r) => r.name === "runner42")).toBe(false);
  });
});
