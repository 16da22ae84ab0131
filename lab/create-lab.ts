import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { AddressInfo } from "node:net";
import { tcpProbe, type ServiceProbe } from "../src/core/service-probe.ts";
import { cleanupOcpEffect } from "./truenas/fake-cleanup-effect.ts";
import { FakeAap, type FakeAapOptions } from "./aap/fake-aap.ts";
import { FakeNautobot, type FakeNautobotOptions } from "./nautobot/fake-nautobot.ts";
import { FakeGitHub } from "./github/fake-github.ts";
import { FakeProxmox } from "./proxmox/fake-proxmox.ts";
import { FakeTrueNas, type FakeTrueNasOptions } from "./truenas/fake-truenas.ts";
import { LAB_GITHUB_SCOPE, LAB_HOSTS } from "./homelab.ts";
import { labTls } from "./lab-tls.ts";
import { DEFAULT_GATEWAY_PASSWORD, GATEWAY_ADMIN } from "./aap/gateway.ts";
import { labProfile, type LabProfile } from "./lab-profiles.ts";

export interface LabOptions {
  /** Base time unit of every simulated task: ~300 ms at a human pace (demo), ~10 ms in tests. */
  stepMs?: number | undefined;
  aap?: Omit<FakeAapOptions, "stepMs"> | undefined;
  nautobot?: Omit<FakeNautobotOptions, "stepMs"> | undefined;
  truenas?: Omit<FakeTrueNasOptions, "stepMs"> | undefined;
  /** Which versions the fakes play (lab/lab-profiles.ts); default awx-24. Explicit options above win. */
  profile?: string | LabProfile | undefined;
}

export interface Lab {
  profile: LabProfile;
  aap: FakeAap;
  nautobot: FakeNautobot;
  proxmox: FakeProxmox;
  truenas: FakeTrueNas;
  /** GitHub's runner API, with the lab's runners registered in LAB_GITHUB_SCOPE. */
  github: FakeGitHub;
  /** A bare Git repository holding config_contexts/, the "labops" repository Nautobot syncs from. */
  gitRemote: string;
  /** The environment that points labops at this lab. */
  env: Record<string, string>;
  /** Routes post-deploy probes of the lab's (private) addresses to local listeners; nothing leaves loopback. */
  probe: ServiceProbe;
  close(): Promise<void>;
}

/**
 * The simulated homelab: fake AAP, Nautobot, Proxmox and TrueNAS on free loopback ports, seeded with the
 * same hosts, plus a TCP listener standing in for every service Nautobot records.
 */
export async function createLab(opts: LabOptions = {}): Promise<Lab> {
  const stepMs = opts.stepMs ?? 300;
  const profile = typeof opts.profile === "object" ? opts.profile : labProfile(opts.profile);
  const pa = profile.aap;
  const aap = new FakeAap({
    failures: { nextcloud: { host: "docker02", task: "docker_app : Wait for healthcheck", msg: "Status code was 503 and not [200]: HTTP Error 503: Service Unavailable" } },
    product: pa.product, apiPath: pa.apiPath, listExtraVars: pa.listExtraVars, ...(pa.gateway ? { gateway: {} } : {}),
    ...opts.aap, stepMs,
  });
  const git = createGitRemote();
  const nautobot = new FakeNautobot({ gitRemote: git.remote, version: profile.nautobot.version, ...opts.nautobot, stepMs });
  // AAP's inventory comes from Nautobot (the dynamic inventory source), as in the real homelab.
  aap.setInventorySource(() => nautobot.hostNames());
  // Each job reads its hosts' role and rendered config context from Nautobot at launch (update_on_launch).
  if (!opts.aap?.hostVars) aap.setHostVars((host) => nautobot.hostVars(host));
  const proxmox = new FakeProxmox({ stepMs, version: { version: profile.proxmox.version, release: profile.proxmox.release }, legacyErrors: profile.proxmox.legacyErrors });
  const truenas = new FakeTrueNas({ version: profile.truenas.version, keyOwner: profile.truenas.keyOwner, ...opts.truenas, stepMs });
  // cleanup_ocp.yml removes (or restores from a snapshot) plain folders on the fake TrueNAS when its job succeeds.
  if (!opts.aap?.effects?.["cleanup_ocp.yml"]) aap.setEffect("cleanup_ocp.yml", cleanupOcpEffect(truenas.fs));
  const github = new FakeGitHub({ scopes: [LAB_GITHUB_SCOPE] });
  // The runner LXCs of the homelab are registered; "Deploy GitHub Runner" registers the runner it installs (config.sh --replace).
  for (const g of proxmox.guests().filter((x) => x.type === "lxc" && /^runner\d+$/.test(x.name ?? ""))) github.register(LAB_GITHUB_SCOPE, g.name!);
  if (!opts.aap?.effects?.["github_runner.yml"]) {
    aap.setEffect("github_runner.yml", ({ limit, jobType }) => (jobType === "run" && limit ? { apply: () => void github.register(LAB_GITHUB_SCOPE, limit) } : undefined));
  }
  const [aapUrl, nautobotUrl, proxmoxUrl, truenasUrl, githubUrl] = await Promise.all([aap.start(), nautobot.start(), proxmox.start(), truenas.start(), github.start()]);
  // The homelab as it runs: every app of app_list already deployed on its host.
  seedContainers(aap, nautobot);
  const services = await startServiceListeners();
  // Behind the AAP 2.5+ gateway, labops' token is a gateway token, created as an operator would.
  const aapToken = pa.gateway && !opts.aap?.token ? await gatewayToken(aapUrl) : aap.token;
  const probe = tcpProbe(1_000);
  return {
    profile, aap, nautobot, proxmox, truenas, github, gitRemote: git.remote,
    env: {
      GIT_REMOTE: git.remote,
      AAP_URL: aapUrl, AAP_TOKEN: aapToken, AAP_API_PATH: opts.aap?.apiPath ?? pa.apiPath,
      NAUTOBOT_URL: nautobotUrl, NAUTOBOT_TOKEN: nautobot.token,
      PROXMOX_URL: proxmoxUrl, PROXMOX_TOKEN: proxmox.token,
      // The fake Proxmox speaks HTTPS only; labops trusts the lab's CA through CA_BUNDLE, as it would a homelab's own CA.
      CA_BUNDLE: labTls().caFile,
      TRUENAS_URL: truenasUrl, TRUENAS_API_KEY: truenas.apiKey,
      ...(truenas.version === "24.10" ? {} : { TRUENAS_USERNAME: truenas.keyOwner }),
      GITHUB_RUNNER_URL: `https://github.com/${LAB_GITHUB_SCOPE}`, GITHUB_API_URL: githubUrl, GITHUB_TOKEN: github.token,
    },
    probe: async (target, signal) => {
      const local = services.ports.get(`${target.address}:${target.port}`);
      // A port a container publishes on its Docker host (an app added since the lab started) answers too.
      const host = LAB_HOSTS.find((h) => h.ip === target.address);
      if (local === undefined && host && aap.docker.publishes(host.name, target.port, target.protocol)) return { open: true, ms: 1 };
      if (local === undefined) return { open: false, ms: 0, error: "ECONNREFUSED" };
      return probe({ ...target, address: "127.0.0.1", port: local }, signal);
    },
    async close() {
      await Promise.all([aap.close(), nautobot.close(), proxmox.close(), truenas.close(), github.close(), services.close()]);
      git.remove();
    },
  };
}

function seedContainers(aap: FakeAap, nautobot: FakeNautobot): void {
  const apps = (nautobot.contextData("app_list")?.app_list ?? {}) as Record<string, { host?: unknown; image?: unknown; ports?: unknown }>;
  for (const [name, a] of Object.entries(apps)) {
    if (typeof a.host === "string" && typeof a.image === "string" && !aap.docker.get(a.host, name)) aap.docker.run(a.host, name, { image: a.image, ports: a.ports });
  }
}

/** POST /api/gateway/v1/tokens/ with the gateway admin's Basic credentials: a write-scoped token. */
async function gatewayToken(url: string): Promise<string> {
  const res = await fetch(`${url}/api/gateway/v1/tokens/`, {
    method: "POST",
    headers: { authorization: `Basic ${Buffer.from(`${GATEWAY_ADMIN}:${DEFAULT_GATEWAY_PASSWORD}`).toString("base64")}`, "content-type": "application/json" },
    body: JSON.stringify({ description: "labops", scope: "write" }),
  });
  if (res.status !== 201) throw new Error(`the fake gateway refused a token (${res.status})`);
  return ((await res.json()) as { token: string }).token;
}

async function startServiceListeners(): Promise<{ ports: Map<string, number>; close(): Promise<void> }> {
  const ports = new Map<string, number>();
  const servers: Server[] = [];
  for (const host of LAB_HOSTS) {
    for (const svc of host.services.filter((s) => s.protocol === "tcp")) {
      for (const port of svc.ports) {
        const server = createServer((sock) => sock.end());
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        servers.push(server);
        ports.set(`${host.ip}:${port}`, (server.address() as AddressInfo).port);
      }
    }
  }
  return {
    ports,
    close: () => Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r())))).then(() => {}),
  };
}

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/** A throwaway bare repository seeded with this repository's Nautobot data (config_contexts/, config_context_schemas/). */
function createGitRemote(): { remote: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "labops-lab-git-"));
  const remote = join(dir, "labops.git");
  const work = join(dir, "seed");
  const git = (cwd: string, ...args: string[]) =>
    execFileSync("git", ["-c", "user.name=labops lab", "-c", "user.email=lab@labops.invalid", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", ...args], { cwd, stdio: "pipe" });
  git(dir, "init", "-q", "--bare", remote);
  git(dir, "init", "-q", work);
  for (const sub of ["config_contexts", "config_context_schemas"]) {
    if (existsSync(join(REPO_ROOT, sub))) cpSync(join(REPO_ROOT, sub), join(work, sub), { recursive: true });
  }
  git(work, "add", "-A");
  git(work, "commit", "-q", "-m", "Seed the homelab's Nautobot data");
  git(work, "push", "-q", remote, "HEAD:refs/heads/main");
  git(remote, "symbolic-ref", "HEAD", "refs/heads/main");
  rmSync(work, { recursive: true, force: true });
  return { remote, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
