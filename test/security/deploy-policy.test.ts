import { execFileSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient, TERMINAL_JOB_STATUSES } from "../../src/clients/aap.ts";
import type { Actor } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const operator: Actor = { platform: "slack", id: "UOPERATOR", name: "olga", groups: [] };

/**
 * /app add and /deploy cannot give anyone root on a host: app hosts must have the Docker-host role, host
 * paths stay below the configured roots, no runtime socket, no templates, elevated options only from an
 * admin, one exact deploy host; and the simulated Master Deploy refuses the same things the real one does.
 */
describe("app_list entries that would be root on a host are refused, and nothing changes", () => {
  let h: Harness;
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", h.lab.gitRemote, ...args], { encoding: "utf8" }).trim();
  const nautobotApps = () => (h.lab.nautobot.contextData("app_list")?.app_list ?? {}) as Record<string, Record<string, unknown>>;
  const final = async (line: string, actor?: Actor) => {
    const ack = await h.run(line, actor);
    expect(ack.jobId, renderText(ack)).toBeDefined();
    return await h.notifier.final(ack.jobId!);
  };
  /** Runs `line` and checks that it was refused, either on the ack path or by its job, and that Git, Nautobot and AAP did not change. */
  const refused = async (line: string, actor?: Actor): Promise<string> => {
    const head = git("rev-parse", "main");
    const apps = JSON.stringify(nautobotApps());
    const launches = h.lab.aap.launches().length;
    const ack = await h.run(line, actor);
    const msg = ack.jobId ? await h.notifier.final(ack.jobId) : ack;
    expect(msg.state, renderText(msg)).toBe("failure");
    expect(git("rev-parse", "main"), `${line}: nothing committed`).toBe(head);
    expect(JSON.stringify(nautobotApps()), `${line}: Nautobot unchanged`).toBe(apps);
    expect(h.lab.aap.launches().length, `${line}: nothing launched`).toBe(launches);
    return renderText(msg);
  };

  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.nautobotSettings.pollInterval = 20;
        c.permissions.grants.push({ role: "operator", slackUsers: [operator.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("refuses host paths outside the roots: /, /etc, .. escapes, the Docker socket, other runtime sockets", async () => {
    const add = (v: string) => `/app add evil --image nginx:1.25 --host docker01 --volume ${v}`;
    expect(await refused(add("/:/host"))).toContain("`/` is a system directory");
    expect(await refused(add("/etc:/x"))).toContain("`/etc` is a system directory");
    expect(await refused(add("/srv/../etc:/x"))).toContain("contains a `.` or `..` segment");
    expect(await refused(add("/var/run/docker.sock:/var/run/docker.sock"))).toContain("is a container runtime socket");
    expect(await refused(add("/srv/run/containerd.sock:/run/containerd.sock"))).toContain("is a container runtime socket");
    expect(await refused(add("/run/podman/podman.sock:/x"))).toContain("container runtime socket");
    expect(await refused(add("/home/admin:/x"))).toContain("is not under `/srv/`, `/opt/appdata/`, `/mnt/`");
    expect(await refused(add("/mnt:/x"))).toContain("is not under");
    expect(await refused(add("./data:/x"))).toContain("is not an absolute path");
    expect(await refused(`/app add evil --image nginx:1.25 --host docker01 --network host`)).toContain("network `host` shares the host's network stack");
  });

  it("refuses a host without the Docker-host role: storage, hypervisor, firewall", async () => {
    for (const [host, role] of [["truenas01", "storage"], ["pve01", "hypervisor"], ["fw01", "firewall"]]) {
      const text = await refused(`/app add evil --image nginx:1.25 --host ${host}`);
      expect(text).toContain(`\`${host}\` has the role \`${role}\` in Nautobot; apps run only on hosts with the role \`docker-host\` (docker01, docker02, edge01)`);
    }
    expect(await refused("/app add evil --image nginx:1.25 --host docker01 --alternate-host fw01")).toContain("`fw01` has the role `firewall`");
    expect(await refused("/app add evil --image nginx:1.25 --host all")).toContain("one host name, not a group such as all");
  });

  it("refuses Jinja in any value on the ack path, before anything is queued", async () => {
    const queued = await h.labops.queue.queue.count();
    for (const line of [
      `/app add evil --image nginx:1.25 --host docker01 --env "A={{ lookup('pipe','id') }}"`,
      `/app add evil --image nginx:1.25 --host docker01 --env "A={# x #}"`,
      `/app add evil --image nginx:1.25 --host docker01 --volume "/srv/{% if 1 %}x{% endif %}:/x"`,
      `/app add evil --image "nginx:{{x}}" --host docker01`,
    ]) {
      const text = await refused(line);
      expect(text, line).toContain("must not contain {{, {% or {#");
    }
    expect(await h.labops.queue.queue.count()).toBe(queued);
  });

  it("keeps privileged mode, capabilities, host namespaces and devices for admins, at /app add and at /deploy", async () => {
    for (const flags of ["--privileged", "--cap-add NET_ADMIN", "--host-network", "--host-pid", "--host-ipc", "--device /dev/dri"]) {
      const text = await refused(`/app add evil --image nginx:1.25 --host docker01 ${flags}`, operator);
      expect(text, flags).toContain("gives the container power over its host; only the admin role may do that");
    }
    // An admin may add one; deploying it still needs the admin's explicit --allow-elevated.
    const added = await final("/app add gpu --image jellyfin/jellyfin:10.9.11 --host docker02 --device /dev/dri --port 8097:8096");
    expect(added.state, renderText(added)).toBe("success");
    expect(nautobotApps().gpu).toMatchObject({ host: "docker02", devices: ["/dev/dri"] });
    expect(await refused("/deploy gpu")).toContain("it asks for devices (/dev/dri), which only an admin may allow. Nothing was launched. An admin can deploy it with `/deploy gpu --allow-elevated`");
    expect(await refused("/deploy gpu --allow-elevated", operator)).toContain("`--allow-elevated` deploys an app with power over its host (privileged mode, capabilities, host namespaces, devices); only the admin role may do that");
    const ok = await final("/deploy gpu --allow-elevated");
    expect(ok.state, renderText(ok)).toBe("success");
    expect(h.lab.aap.launches().at(-1)).toMatchObject({ templateName: "Master Deploy", limit: "docker02", extraVars: { app: "gpu", target_host: "docker02", allow_elevated: true } });
  });

  it("never lets an operator run an admin's elevated deploy again: a relaunch needs the admin role too", async () => {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "down" });
    const failed = await final("/deploy gpu --allow-elevated");
    expect(failed.state).toBe("failure");
    const aapJob = h.lab.aap.launches().at(-1)!.jobId;
    const relaunches = () => h.lab.aap.http.requests.filter((r) => r.method === "POST" && r.path.endsWith(`/jobs/${aapJob}/relaunch/`)).length;
    const { jobId } = await h.labops.queue.enqueue("aap.relaunch", {
      command: "alert relaunch", args: { aapJob, template: "Master Deploy", command: "deploy" }, actor: operator, channel: h.channel,
      requestId: randomUUID(), lockKey: "app:gpu", requires: "operator", enqueuedAt: Date.now(),
    });
    const msg = await h.notifier.final(jobId);
    expect(msg.state).toBe("failure");
    expect(renderText(msg)).toContain("Relaunching a `/deploy` job needs the admin role; nothing was relaunched.");
    expect(relaunches()).toBe(0);
  });

  it("accepts an ordinary app with a bind mount below a root, and deploys it", async () => {
    const added = await final("/app add notes --image nginx:1.25 --host docker01 --volume /opt/appdata/notes:/usr/share/nginx/html:ro --port 8099:80", operator);
    expect(added.state, renderText(added)).toBe("success");
    const deployed = await final("/deploy notes", operator);
    expect(deployed.state, renderText(deployed)).toBe("success");
  });

  it("takes --host as one exact Docker host meant for the app: never a pattern, a group, or a host not listed", async () => {
    expect(await refused("/deploy grafana --host all", operator)).toContain("one host name, not a group such as all");
    expect(await refused("/deploy grafana --host docker0*", operator)).toContain("no patterns");
    expect(await refused("/deploy grafana --host docker01,fw01", operator)).toContain("no patterns");
    expect(await refused("/deploy grafana --host !fw01", operator)).toContain("no patterns");
    expect(await refused("/deploy grafana --host fw01", operator)).toContain("`grafana` may be deployed on `docker01` or `docker02` (its app_list host and alternate_hosts), not `fw01`. Nothing was launched.");
    expect(await refused("/deploy grafana --host edge01", operator)).toContain("not `edge01`");
    const moved = await final("/deploy grafana --host docker02 --check", operator);
    expect(moved.state, renderText(moved)).toBe("success");
    expect(h.lab.aap.launches().at(-1)).toMatchObject({ limit: "docker02", extraVars: { app: "grafana", target_host: "docker02" }, jobType: "check" });
  });

  it("refuses at /deploy an entry committed to Git by hand, before anything is launched", async () => {
    pushAppList(h.lab.gitRemote, [
      "  rootfs:\n    host: docker01\n    image: nginx:1.25\n    volumes: [\"/:/host\"]\n",
      "  sock:\n    host: docker02\n    image: nginx:1.25\n    volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"]\n",
      "  tmpl:\n    host: docker01\n    image: nginx:1.25\n    env: {A: \"{{ lookup('pipe','id') }}\"}\n",
      "  nas:\n    host: truenas01\n    image: nginx:1.25\n",
      "  priv:\n    host: docker01\n    image: nginx:1.25\n    privileged: true\n",
    ]);
    const sync = await final("/sync nautobot");
    expect(sync.state, renderText(sync)).toBe("success");
    expect(Object.keys(nautobotApps())).toEqual(expect.arrayContaining(["rootfs", "sock", "tmpl", "nas", "priv"]));
    expect(await refused("/deploy rootfs")).toContain("`/` is a system directory");
    expect(await refused("/deploy sock")).toContain("is a container runtime socket");
    expect(await refused("/deploy tmpl")).toContain("`env.A` contains a template marker");
    expect(await refused("/deploy nas")).toContain("`truenas01` has the role `storage` in Nautobot");
    expect(await refused("/deploy priv", operator)).toContain("privileged mode, which only an admin may allow");
  });

  it("the simulated Master Deploy, driven without labops, refuses what the real playbook refuses", async () => {
    const aap = new AapClient({ url: h.lab.env.AAP_URL!, token: h.lab.env.AAP_TOKEN! });
    const template = await aap.findJobTemplate("Master Deploy");
    const run = async (body: { extra_vars: Record<string, unknown>; limit: string }) => {
      const { jobId } = await aap.launch(template.id, body);
      let job = await aap.getJob(jobId);
      for (let i = 0; i < 500 && (!TERMINAL_JOB_STATUSES.includes(job.status) || !job.event_processing_finished); i++) {
        await new Promise((r) => setTimeout(r, 20));
        job = await aap.getJob(jobId);
      }
      const events = await aap.jobEvents(jobId);
      const failed = events.filter((e) => e.event === "runner_on_failed").map((e) => ({ host: e.host_name, task: e.task, msg: String((e.event_data as { res?: { msg?: string } }).res?.msg) }));
      return { status: job.status, failed, ranDocker: events.some((e) => e.event === "playbook_on_task_start" && e.role === "docker_app") };
    };
    const all = await run({ extra_vars: { app: "grafana" }, limit: "all" });
    expect(all).toMatchObject({ status: "failed", ranDocker: false });
    expect(all.failed.length).toBeGreaterThan(5);
    expect(all.failed.every((f) => f.task === "Check the app belongs to this host")).toBe(true);
    expect(all.failed[0]!.msg).toContain("the limit 'all' is not that host name");

    const fw = await run({ extra_vars: { app: "grafana", target_host: "fw01" }, limit: "fw01" });
    expect(fw).toMatchObject({ status: "failed", ranDocker: false, failed: [{ host: "fw01", task: "Check the app belongs to this host", msg: "app_list says grafana runs on docker01 (or docker02), not fw01." }] });
    const nas = await run({ extra_vars: { app: "nas" }, limit: "truenas01" });
    expect(nas.failed).toEqual([{ host: "truenas01", task: "Check this host is a Docker host", msg: "truenas01 has the role 'storage' in Nautobot, not docker-host; Master Deploy runs apps on Docker hosts only." }]);
    const root = await run({ extra_vars: { app: "rootfs" }, limit: "docker01" });
    expect(root.failed).toEqual([{ host: "docker01", task: "Check the app's entry is safe to run", msg: "Refusing rootfs: system directory: /; host path not below /srv, /opt/appdata, /mnt: /." }]);
    const tmpl = await run({ extra_vars: { app: "tmpl" }, limit: "docker01" });
    expect(tmpl.failed[0]?.msg).toBe("Refusing tmpl: a value holds a Jinja marker ({{, {% or {#); app_list values are data, never templates.");
    const priv = await run({ extra_vars: { app: "priv" }, limit: "docker01" });
    expect(priv.failed[0]?.msg).toBe("Refusing priv: elevated options (privileged) need allow_elevated, which only an admin may give.");
    expect(await run({ extra_vars: { app: "priv", allow_elevated: true }, limit: "docker01" })).toMatchObject({ status: "successful", ranDocker: true });
    expect(await run({ extra_vars: { app: "grafana", target_host: "docker02" }, limit: "docker02" })).toMatchObject({ status: "successful", ranDocker: true });
  });
});

/** Someone with push access appends entries to app_list by hand, bypassing /app add. */
function pushAppList(remote: string, entries: string[]): void {
  const dir = mkdtempSync(join(tmpdir(), "deploy-policy-"));
  const g = (cwd: string, ...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });
  try {
    g(dir, "clone", "-q", remote, "w");
    const file = join(dir, "w/config_contexts/app_list.yml");
    writeFileSync(file, readFileSync(file, "utf8") + entries.join(""));
    g(join(dir, "w"), "commit", "-qam", "hand edit");
    g(join(dir, "w"), "push", "-q", "origin", "HEAD:main");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
