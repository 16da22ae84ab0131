import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Lab } from "../../lab/create-lab.ts";

/** One operation of a real client against the lab, as the client reported it. */
export interface Operation {
  client: string;
  name: string;
  ok: boolean;
  detail: string;
  changed?: boolean | undefined;
}

export const HERE = fileURLToPath(new URL(".", import.meta.url));
export const REPO = fileURLToPath(new URL("../../", import.meta.url));
/** Debian's python, which has proxmoxer and pynetbox (a `python3` earlier on PATH may not). */
export const PYTHON = "/usr/bin/python3";

/** The environment the real clients get: the lab's URLs and tokens, its CA, no proxy for loopback. */
export function clientEnv(lab: Lab): Record<string, string> {
  const pve = new URL(lab.env.PROXMOX_URL!);
  const [pveUser, pveToken] = lab.env.PROXMOX_TOKEN!.split("!");
  const [tokenId, tokenSecret] = pveToken!.split("=");
  return {
    PATH: process.env.PATH ?? "/usr/bin:/bin",
    HOME: process.env.HOME ?? "/root",
    LANG: "C.UTF-8",
    NO_PROXY: "127.0.0.1,localhost,::1",
    no_proxy: "127.0.0.1,localhost,::1",
    CONTROLLER_HOST: lab.env.AAP_URL!,
    CONTROLLER_OAUTH_TOKEN: lab.env.AAP_TOKEN!,
    PVE_HOST: pve.host,
    PVE_USER: pveUser!,
    PVE_TOKEN_ID: tokenId!,
    PVE_TOKEN_SECRET: tokenSecret!,
    REQUESTS_CA_BUNDLE: lab.env.CA_BUNDLE ?? "",
    NAUTOBOT_URL: lab.env.NAUTOBOT_URL!,
    NAUTOBOT_TOKEN: lab.env.NAUTOBOT_TOKEN!,
    ANSIBLE_NOCOLOR: "1",
    ANSIBLE_RETRY_FILES_ENABLED: "0",
    ANSIBLE_LOCALHOST_WARNING: "0",
    ANSIBLE_DEPRECATION_WARNINGS: "0",
    ANSIBLE_INVENTORY_ENABLED: "host_list",
    ANSIBLE_PYTHON_INTERPRETER: PYTHON,
  };
}

function run(cmd: string, args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env, cwd, maxBuffer: 64 * 1024 * 1024, timeout: 180_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === "number" ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

interface JsonTaskResult { failed?: boolean; skipped?: boolean; changed?: boolean; msg?: unknown; unreachable?: boolean }
interface JsonRun {
  plays: { tasks: { task: { name: string }; hosts: Record<string, JsonTaskResult> }[] }[];
  stats: Record<string, { ok: number; changed: number; failures: number; unreachable: number; skipped: number }>;
}

/** Runs a playbook with the json callback: one operation per task, and the recap. */
export async function runPlaybook(client: string, playbook: string, env: Record<string, string>, extraArgs: string[] = []): Promise<{ ops: Operation[]; stats: JsonRun["stats"]; code: number; stderr: string }> {
  const res = await run("ansible-playbook", ["-i", "localhost,", playbook, ...extraArgs], { ...env, ANSIBLE_STDOUT_CALLBACK: "json", ANSIBLE_CALLBACKS_ENABLED: "" }, REPO);
  let parsed: JsonRun;
  try {
    parsed = JSON.parse(res.stdout.slice(res.stdout.indexOf("{"))) as JsonRun;
  } catch {
    return { ops: [{ client, name: "(playbook)", ok: false, detail: `no JSON result (exit ${res.code}): ${res.stderr.slice(-2000)}` }], stats: {}, code: res.code, stderr: res.stderr };
  }
  const ops: Operation[] = [];
  for (const play of parsed.plays) {
    for (const t of play.tasks) {
      const r = t.hosts.localhost ?? {};
      const ok = !r.failed && !r.unreachable;
      ops.push({ client, name: t.task.name, ok, changed: r.changed, detail: ok ? "" : String(typeof r.msg === "string" ? r.msg : JSON.stringify(r.msg)).slice(0, 500) });
    }
  }
  return { ops, stats: parsed.stats, code: res.code, stderr: res.stderr };
}

/** Runs a python script that prints `ok <client>: <name>` / `failed <client>: <name>: <reason>` lines. */
export async function runPython(client: string, script: string, env: Record<string, string>): Promise<Operation[]> {
  const res = await run(PYTHON, [script], env, HERE);
  const ops: Operation[] = [];
  for (const line of res.stdout.split("\n")) {
    const m = /^(ok|failed) [^:]+: (.*)$/.exec(line);
    if (!m) continue;
    if (m[1] === "ok") ops.push({ client, name: m[2]!, ok: true, detail: "" });
    else {
      const [name, ...rest] = m[2]!.split(": ");
      ops.push({ client, name: name!, ok: false, detail: rest.join(": ") });
    }
  }
  if (ops.length === 0) ops.push({ client, name: "(script)", ok: false, detail: `no result lines (exit ${res.code}): ${res.stderr.slice(-2000)}` });
  return ops;
}

/** One line per operation, as CI prints them. */
export function report(ops: Operation[]): string {
  return ops.map((o) => `${o.ok ? "ok    " : "FAILED"} ${o.client}: ${o.name}${o.ok ? "" : ` (${o.detail})`}`).join("\n");
}

/** What is missing to run the real clients (empty when Debian's ansible, python3-proxmoxer and python3-pynetbox are there). */
export async function missingClients(): Promise<string[]> {
  const missing: string[] = [];
  if ((await run("ansible-playbook", ["--version"], { PATH: process.env.PATH ?? "/usr/bin" }, HERE)).code !== 0) missing.push("ansible-playbook");
  for (const c of ["awx/awx", "community/general"]) {
    if ((await run(PYTHON, ["-c", `import ansible_collections.${c.replace("/", ".")}`], {}, HERE)).code !== 0) missing.push(`collection ${c.replace("/", ".")}`);
  }
  for (const m of ["proxmoxer", "pynetbox"]) if ((await run(PYTHON, ["-c", `import ${m}`], {}, HERE)).code !== 0) missing.push(`python module ${m}`);
  return missing;
}

export const INSTALL_HINT = "install Debian's real clients: apt-get install ansible python3-proxmoxer python3-pynetbox (.ci/run does)";
