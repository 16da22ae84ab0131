import type { Obj, TaskCheck, TaskSpec } from "./records.ts";

/**
 * The pre_tasks of playbooks/master_deploy.yml, assert by assert, with the playbook's own fail_msg texts:
 * what the real Master Deploy refuses, the simulated one refuses on the same host at the same task.
 * Written from the playbook, not from labops' validators, so the demo cannot agree with labops by construction.
 */

const DOCKER_ROLES = ["docker-host"];
const DEFAULT_ROOTS = ["/srv", "/opt/appdata", "/mnt"];
const SYSTEM_RE = /^\/(bin|boot|dev|etc|lib|lib32|lib64|libx32|proc|root|run|sbin|snap|sys|usr|var\/run|var\/lib\/docker|var\/lib\/containerd|var\/lib\/kubelet)(\/|$)|^\/(home|var|var\/lib)?\/?$/;
const ELEVATED = ["privileged", "cap_add", "network_mode", "pid_mode", "ipc_mode", "devices"];
const TEMPLATE_RE = /[{][{%#]/;

const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const truthy = (v: unknown) => (Array.isArray(v) ? v.length > 0 : isObj(v) ? Object.keys(v).length > 0 : Boolean(v));
const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** `master_deploy_context`: the host's config_context, unwrapped from a one-item list. */
function context(c: TaskCheck): Obj {
  const cc = c.vars.config_context as unknown;
  if (Array.isArray(cc)) return isObj(cc[0]) ? cc[0] : {};
  return isObj(cc) ? cc : {};
}
const apps = (c: TaskCheck): Obj => (isObj(context(c).app_list) ? (context(c).app_list as Obj) : {});
const appName = (c: TaskCheck) => c.job.extraVars.app;
const spec = (c: TaskCheck): Obj => {
  const a = appName(c);
  return typeof a === "string" && isObj(apps(c)[a]) ? (apps(c)[a] as Obj) : {};
};
const target = (c: TaskCheck): unknown => c.job.extraVars.target_host ?? spec(c).host ?? "";
const alternates = (s: Obj): unknown[] => (Array.isArray(s.alternate_hosts) ? s.alternate_hosts : []);
const allowedTarget = (c: TaskCheck) => {
  const s = spec(c);
  return target(c) === s.host || alternates(s).includes(target(c));
};

function problems(c: TaskCheck): string[] {
  const s = spec(c);
  if (TEMPLATE_RE.test(JSON.stringify(s))) return ["a value holds a Jinja marker ({{, {% or {#); app_list values are data, never templates"];
  const host = context(c).docker_host;
  const roots = (isObj(host) && Array.isArray(host.host_path_roots) ? host.host_path_roots : DEFAULT_ROOTS).map(String);
  const rootRe = new RegExp(`^(${roots.map(escapeRe).join("|")})/[^/]`);
  const binds = (Array.isArray(s.volumes) ? s.volumes : []).map((v) => String(v).split(":")[0]!).filter((b) => /^[/.~]/.test(b));
  const networks = Array.isArray(s.networks) ? s.networks : [];
  const elevated = Object.entries(s).filter(([k, v]) => ELEVATED.includes(k) && truthy(v)).map(([k]) => k);
  const allow = ["true", "yes", "1", "on"].includes(String(c.job.extraVars.allow_elevated ?? false).toLowerCase());
  return [
    ...roots.filter((r) => SYSTEM_RE.test(r)).map((r) => `host_path_roots names a system directory: ${r}`),
    ...binds.filter((b) => /(^|\/)[.][.]?(\/|$)|\/\//.test(b)).map((b) => `host path with an empty, . or .. segment: ${b}`),
    ...binds.filter((b) => /[.]sock$/.test(b)).map((b) => `container runtime socket: ${b}`),
    ...binds.filter((b) => SYSTEM_RE.test(b)).map((b) => `system directory: ${b}`),
    ...binds.filter((b) => !rootRe.test(b)).map((b) => `host path not below ${roots.join(", ")}: ${b}`),
    ...networks.filter((n) => n === "host").map(() => "network host (network_mode host needs an admin)"),
    ...(elevated.length && !allow ? [`elevated options (${elevated.join(", ")}) need allow_elevated, which only an admin may give`] : []),
  ];
}

const assert = (name: string, check: (c: TaskCheck) => string | undefined, runOnce = false): TaskSpec =>
  ({ name, action: "ansible.builtin.assert", check, runOnce, msg: "All assertions passed" });

/** `master_deploy_action` and `master_deploy_log_lines`, as Jinja renders them (`| string`). */
const action = (c: TaskCheck): unknown => c.job.extraVars.app_action ?? "deploy";
const logLines = (c: TaskCheck): string => {
  const v = c.job.extraVars.app_log_lines ?? 100;
  return typeof v === "boolean" ? (v ? "True" : "False") : typeof v === "object" ? JSON.stringify(v) : String(v);
};
/** The task's `when:` on docker_app_action: undefined when it holds, else the condition Ansible reports. */
const when = (...actions: string[]) => (c: TaskCheck): string | undefined =>
  actions.includes(String(action(c))) ? undefined
    : actions.length === 1 ? `docker_app_action == '${actions[0]}'` : `docker_app_action in [${actions.map((a) => `'${a}'`).join(", ")}]`;

export const MASTER_DEPLOY_PRE_TASKS: TaskSpec[] = [
  assert("Require a limit to the app's host", (c) =>
    c.job.limit.length > 0 ? undefined : "Master Deploy must be launched with limit=<app's host>; refusing to touch every host.", true),
  assert("Check the requested action", (c) => {
    const a = action(c);
    const n = logLines(c);
    if (typeof a === "string" && ["deploy", "restart", "logs", "remove"].includes(a) && /^[0-9]{1,4}$/.test(n) && Number(n) >= 1 && Number(n) <= 1000) return undefined;
    return `app_action must be deploy, restart, logs or remove (got '${String(a)}'), and app_log_lines a whole number from 1 to 1000 (got '${n}').`;
  }),
  assert("Check the app exists in app_list", (c) => {
    const a = appName(c);
    if (typeof a === "string" && /^[a-z0-9][a-z0-9_-]*$/.test(a) && a in apps(c)) return undefined;
    return `No app '${typeof a === "string" ? a : ""}' in this host's app_list (known: ${Object.keys(apps(c)).sort().join(", ")}).`;
  }),
  assert("Check the app belongs to this host", (c) => {
    const t = target(c);
    const s = spec(c);
    const ok = typeof t === "string" && /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(t) && !["all", "ungrouped", "localhost"].includes(t.toLowerCase())
      && c.job.limit === t && c.host === t && allowedTarget(c) && s.image !== undefined;
    if (ok) return undefined;
    if (allowedTarget(c)) {
      return `Master Deploy deploys ${String(appName(c))} to exactly one host, target_host '${String(t)}': the limit '${c.job.limit}' is not that host name (no patterns or groups).`;
    }
    const alt = alternates(s);
    return `app_list says ${String(appName(c))} runs on ${String(s.host ?? "?")}${alt.length ? ` (or ${alt.join(", ")})` : ""}, not ${String(t)}.`;
  }),
  assert("Check this host is a Docker host", (c) =>
    DOCKER_ROLES.includes(c.vars.role ?? "")
      ? undefined
      : `${c.host} has the role '${c.vars.role ?? "none"}' in Nautobot, not ${DOCKER_ROLES.join(" or ")}; Master Deploy runs apps on Docker hosts only.`),
  {
    ...assert("Check the app's entry is safe to run", (c) => {
      const p = problems(c);
      return p.length ? `Refusing ${String(appName(c))}: ${p.join("; ")}.` : undefined;
    }),
    skip: when("deploy"), // only a deploy runs the entry
  },
];

const docker = (name: string, action: string, o: Partial<TaskSpec> = {}): TaskSpec => ({ name, role: "docker_app", action, ...o });
const live = (c: TaskCheck) => c.job.jobType === "run";
const app = (c: TaskCheck) => String(appName(c));

/**
 * The docker_app role (playbooks/roles/docker_app/tasks/main.yml and deploy.yml), task by task, each behind its
 * `when:` on docker_app_action; the tasks that change a host change the lab's Docker hosts, except in check mode.
 */
export const DOCKER_APP_TASKS: TaskSpec[] = [
  docker("Ensure network", "community.docker.docker_network", { skip: when("deploy") }),
  docker("Ensure volumes", "community.docker.docker_volume", { skip: when("deploy"), changes: true }),
  docker("Pull image", "community.docker.docker_image", { skip: when("deploy"), changes: true }),
  docker("Run container", "community.docker.docker_container", {
    skip: when("deploy"),
    run: (c) => {
      const s = spec(c);
      const now = c.job.docker.get(c.host, app(c));
      const changed = !now || now.image !== s.image || !now.running || JSON.stringify(now.ports.map((p) => p.port)) !== JSON.stringify((Array.isArray(s.ports) ? s.ports : []).map((p) => Number(String(p).split(":")[0])));
      if (live(c)) c.job.docker.run(c.host, app(c), { image: String(s.image), ports: s.ports });
      return { changed };
    },
  }),
  // The probe has nothing to reach in check mode: `when: not ansible_check_mode`.
  docker("Wait for healthcheck", "ansible.builtin.uri", { skip: (c) => when("deploy")(c) ?? (live(c) ? undefined : "not ansible_check_mode"), msg: "OK (unknown bytes)" }),
  docker("Look up container", "community.docker.docker_container_info", {
    skip: when("restart", "logs"),
    run: (c) => ({ changed: false, res: { exists: !!c.job.docker.get(c.host, app(c)) } }),
  }),
  {
    ...docker("Check the container exists", "ansible.builtin.assert", { skip: when("restart", "logs"), msg: "All assertions passed" }),
    check: (c) => (c.job.docker.get(c.host, app(c)) ? undefined : `No container ${app(c)} on ${c.host}: deploy it first.`),
  },
  docker("Restart container", "community.docker.docker_container", {
    skip: when("restart"),
    run: (c) => ({ changed: live(c) ? c.job.docker.restart(c.host, app(c)) : true }),
  }),
  docker("Read container logs", "ansible.builtin.command", {
    skip: when("logs"),
    // check_mode: false — read-only, so it runs in check mode too.
    run: (c) => {
      const lines = c.job.docker.logs(c.host, app(c), Number(logLines(c))) ?? [];
      const argv = ["docker", "logs", "--timestamps", "--tail", logLines(c), app(c)];
      return { changed: false, res: { cmd: argv, rc: 0, stdout: lines.join("\n"), stdout_lines: lines, stderr: "", stderr_lines: [], msg: "" } };
    },
  }),
  docker("Remove container", "community.docker.docker_container", {
    skip: when("remove"),
    run: (c) => ({ changed: live(c) ? c.job.docker.remove(c.host, app(c)) : !!c.job.docker.get(c.host, app(c)) }),
  }),
];
