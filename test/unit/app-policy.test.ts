import { describe, expect, it } from "vitest";
import { appAddArgs, hostName } from "../../src/appcatalog/app-args.ts";
import { entryProblems, hostPathProblem, rootProblem, templatedField, volumeProblem } from "../../src/appcatalog/app-policy.ts";
import { loadConfig } from "../../src/config.ts";

const ROOTS = ["/srv", "/opt/appdata", "/mnt"];
const policy = { dockerHostRoles: ["docker-host"], hostPathRoots: ROOTS };

describe("host paths an app may mount", () => {
  it.each([
    "/srv/app/data", "/opt/appdata/grafana", "/mnt/media/movies", "/mnt/Media/docker-media/jellyfin",
  ])("accepts %s", (p) => expect(hostPathProblem(p, ROOTS)).toBeUndefined());

  it.each([
    ["/", "system directory"], ["/etc", "system directory"], ["/etc/shadow", "system directory"], ["/root/.ssh", "system directory"],
    ["/proc/1/root", "system directory"], ["/sys", "system directory"], ["/dev/sda", "system directory"], ["/boot", "system directory"],
    ["/usr/bin", "system directory"], ["/var", "system directory"], ["/var/lib", "system directory"], ["/var/lib/docker", "system directory"],
    ["/var/lib/docker/volumes/x", "system directory"], ["/run/containerd", "system directory"], ["/home", "system directory"],
    ["/var/run/docker.sock", "runtime socket"], ["/run/containerd/containerd.sock", "runtime socket"], ["/run/podman/podman.sock", "runtime socket"],
    ["/var/run/crio/crio.sock", "runtime socket"], ["/srv/docker.sock", "runtime socket"], ["/mnt/x/cri-dockerd.sock", "runtime socket"],
    ["/srv/../etc", "segment"], ["/srv/./x", "segment"], ["/mnt/a/..", "segment"], ["/srv//x", "not a clean path"], ["/srv/a\\..\\b", "not a clean path"],
    ["/srv", "is not under"], ["/mnt", "is not under"], ["/srvx/data", "is not under"], ["/opt/other", "is not under"], ["/home/admin", "is not under"],
    ["/tmp/x", "is not under"], ["relative/path", "not an absolute path"], ["~/x", "not an absolute path"], ["./x", "not an absolute path"],
  ])("refuses %s (%s)", (p, why) => expect(hostPathProblem(p, ROOTS)).toContain(why));

  it("reads volumes: named volumes pass, bind sources are checked, modes are ro or rw", () => {
    expect(volumeProblem("grafana_data:/var/lib/grafana", ROOTS)).toBeUndefined();
    expect(volumeProblem("/mnt/media:/media:ro", ROOTS)).toBeUndefined();
    expect(volumeProblem("/:/host", ROOTS)).toContain("system directory");
    expect(volumeProblem("/srv/x:/x:z", ROOTS)).toContain("is not name:/path");
    expect(volumeProblem("data:relative", ROOTS)).toContain("container path must be absolute");
    expect(volumeProblem("data:/a/../b", ROOTS)).toContain("without `..`");
  });

  it("refuses configured roots that are / or a system directory (loadConfig names the key)", () => {
    for (const bad of ["/", "/etc", "/var/run", "/var/lib/docker", "/usr/local", "srv", "/srv/", "/srv/../etc"]) expect(rootProblem(bad), bad).toBeDefined();
    for (const ok of ["/srv", "/opt/appdata", "/mnt", "/data/apps"]) expect(rootProblem(ok), ok).toBeUndefined();
    const cfg = (yaml: string) => () => loadConfig({ LABOPS_CONFIG: "/x.yaml" }, () => yaml);
    expect(cfg("deploy:\n  hostPathRoots: [/srv, /etc]\n")).toThrow(/deploy\.hostPathRoots\.1: "\/etc" is a system directory/);
    expect(cfg("deploy:\n  dockerHostRoles: []\n")).toThrow(/deploy\.dockerHostRoles/);
    expect(loadConfig({ LABOPS_CONFIG: "/x.yaml" }, () => "deploy:\n  hostPathRoots: [/data/apps]\n").deploy).toEqual({ dockerHostRoles: ["docker-host"], hostPathRoots: ["/data/apps"], latestTag: "warn" });
  });
});

describe("templates and elevated options in an entry", () => {
  it("finds a Jinja marker in any string, keys included, with where it is", () => {
    expect(templatedField({ host: "docker01", env: { A: "{{ lookup('pipe','id') }}" } })).toBe("env.A");
    expect(templatedField({ volumes: ["/srv/{% raw %}:/x"] })).toBe("volumes[0]");
    expect(templatedField({ env: { "{#x#}": "1" } })).toBe("env.{#x#} (the key)");
    expect(templatedField({ image: "nginx:1.25", env: { A: "a{b}c", B: "{ x }" } })).toBeUndefined();
  });

  it("lists every problem, and only template markers for a templated entry", () => {
    expect(entryProblems({ host: "docker01", image: "nginx:1.25", volumes: ["/:/host", "/srv/a:/a"], networks: ["host"] }, policy, { allowElevated: false })).toEqual([
      "volume `/:/host`: `/` is a system directory",
      "network `host` shares the host's network stack: use --host-network, which needs an admin",
    ]);
    expect(entryProblems({ host: "docker01", image: "nginx:1.25", volumes: ["/:/host"], env: { A: "{{ x }}" } }, policy, { allowElevated: true })).toEqual([
      "`env.A` contains a template marker ({{, {% or {#); app_list values are data, never templates",
    ]);
  });

  it("needs allowElevated for privileged mode, capabilities, host namespaces and devices; false or empty values ask for nothing", () => {
    const elevated = { host: "d", image: "i:1", privileged: true, cap_add: ["NET_ADMIN"], network_mode: "host", pid_mode: "host", ipc_mode: "host", devices: ["/dev/dri"] };
    expect(entryProblems(elevated, policy, { allowElevated: false })).toEqual([
      "it asks for privileged mode, added capabilities (NET_ADMIN), network_mode host, pid_mode host, ipc_mode host, devices (/dev/dri), which only an admin may allow",
    ]);
    expect(entryProblems(elevated, policy, { allowElevated: true })).toEqual([]);
    expect(entryProblems({ host: "d", image: "i:1", privileged: false, cap_add: [], devices: [] }, policy, { allowElevated: false })).toEqual([]);
    expect(entryProblems({ host: "d", image: "i:1", devices: ["/dev/../etc/shadow"] }, policy, { allowElevated: true })[0]).toContain("is not /dev/X");
  });
});

describe("chat arguments", () => {
  it("take one exact host name, never an Ansible pattern or group", () => {
    for (const ok of ["docker01", "edge01", "host.lab", "a_b-c"]) expect(hostName.safeParse(ok).success, ok).toBe(true);
    for (const bad of ["all", "ALL", "ungrouped", "localhost", "docker0*", "docker01,fw01", "docker01:fw01", "!fw01", "&docker01", "~docker.*", "docker[0]", "", " docker01"]) {
      expect(hostName.safeParse(bad).success, bad).toBe(false);
    }
  });

  it("refuse Jinja in every free-text value of /app add", () => {
    const base = { app: "x", image: "nginx:1.25", host: "docker01" };
    expect(appAddArgs.safeParse(base).success).toBe(true);
    for (const extra of [{ image: "nginx:{{x}}" }, { env: ["A={% x %}"] }, { env: ["A={#x#}"] }, { volume: ["/srv/{{x}}:/x"] }]) {
      expect(appAddArgs.safeParse({ ...base, ...extra }).success, JSON.stringify(extra)).toBe(false);
    }
  });
});
