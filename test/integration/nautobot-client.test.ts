import { execFileSync } from "node:child_process";
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NautobotClient } from "../../src/clients/nautobot.ts";
import { ApiError, UserError } from "../../src/errors.ts";
import { FakeNautobot } from "../../lab/nautobot/fake-nautobot.ts";
import { LAB_HOSTS } from "../../lab/homelab.ts";
import { profileNautobot, TEST_PROFILE } from "../helpers/test-profile.ts";
import { atLeast } from "../../src/clients/system-version.ts";

/** The API version the profile's Nautobot speaks (2.4 by default). */
const API_VERSION = TEST_PROFILE.nautobot.version.split(".").slice(0, 2).join(".");
/** A sync answer names its JobResult (PENDING) from 2.4.2; before, labops finds it listed, maybe already under way. */
const QUEUED = atLeast(TEST_PROFILE.nautobot.version, 2, 4, 2) ? ["PENDING"] : ["PENDING", "STARTED", "SUCCESS"];

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const APP_LIST = readFileSync(join(REPO_ROOT, "config_contexts/app_list.yml"), "utf8");
const temps: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** A controlled seed: app_list from the repository plus role, weight and local contexts this test relies on. */
const SEED_FILES: Record<string, string> = {
  "config_contexts/app_list.yml": APP_LIST,
  "config_contexts/roles/docker-host.yml": "_metadata: {name: docker-host}\ndocker_host: {networks: [proxy], restart_policy: unless-stopped}\n",
  "config_contexts/ntp.yml": "- _metadata: {name: ntp-low, weight: 100}\n  ntp: [10.0.0.1]\n  site: {dns: 10.0.0.53, domain: lab}\n" +
    "- _metadata: {name: ntp-high, weight: 2000, locations: [{name: Homelab}]}\n  ntp: [10.0.0.2]\n  site: {domain: home.arpa}\n",
  "config_contexts/devices/pve01.yml": "site: {domain: pve01.local}\n",
};

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", ["-c", "user.name=labops-test", "-c", "user.email=test@lab.invalid", "-c", "commit.gpgsign=false", ...args], {
    cwd,
    encoding: "utf8",
  });
}

afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

describe("NautobotClient against the fake Nautobot (seeded lab)", () => {
  let fake: FakeNautobot;
  let client: NautobotClient;

  beforeAll(async () => {
    const seedDir = tempDir("nautobot-seed-");
    writeFiles(seedDir, SEED_FILES);
    fake = new FakeNautobot({ ...profileNautobot(), stepMs: 10, seedDir });
    await fake.start();
    client = new NautobotClient({ url: fake.url, token: fake.token, timeoutMs: 5_000 });
  });
  afterAll(() => fake.close());

  it("finds a device with its merged config context (weights, location scope, local context last)", async () => {
    const host = await client.findHost("pve01");
    expect(host).toMatchObject({ kind: "device", name: "pve01", primaryIp: "10.20.0.11", role: "hypervisor" });
    expect(host?.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(host?.configContext.ntp).toEqual(["10.0.0.2"]);
    // Deep merge: dns from the weight-100 context survives; the local context wins for domain.
    expect(host?.configContext.site).toEqual({ dns: "10.0.0.53", domain: "pve01.local" });
    expect(host?.configContext).not.toHaveProperty("docker_host");
    expect(Object.keys(host?.configContext.app_list as object)).toContain("traefik");
  });

  it("finds a VM, scoping role contexts to its role, and misses unknown names", async () => {
    const vm = await client.findHost("docker01");
    expect(vm).toMatchObject({ kind: "virtual-machine", name: "docker01", primaryIp: "10.20.10.11", role: "docker-host" });
    expect(vm?.configContext.docker_host).toEqual({ networks: ["proxy"], restart_policy: "unless-stopped" });
    expect(vm?.configContext.site).toEqual({ dns: "10.0.0.53", domain: "home.arpa" });
    expect(await client.findHost("nope01")).toBeUndefined();
    expect(await client.getVirtualMachine("pve01")).toBeUndefined();
  });

  it("returns config_context only with ?include=config_context, and names only with depth=1", async () => {
    const get = async (query: string) => {
      const res = await fetch(`${fake.url}/api/dcim/devices/?name=pve01${query}`, {
        headers: { Authorization: `Token ${fake.token}`, Accept: `application/json; version=${API_VERSION}` },
      });
      expect(res.headers.get("api-version")).toBe(API_VERSION);
      return ((await res.json()) as { results: Record<string, any>[] }).results[0]!;
    };
    const plain = await get("");
    expect(plain).not.toHaveProperty("config_context");
    expect(plain.local_config_context_data).toEqual({ site: { domain: "pve01.local" } });
    expect(Object.keys(plain.role).sort()).toEqual(["id", "object_type", "url"]);
    expect(plain.status.url).toMatch(new RegExp(`^${fake.url}/api/extras/statuses/[0-9a-f-]{36}/$`));
    const full = await get("&include=config_context&depth=1");
    expect(full.config_context.ntp).toEqual(["10.0.0.2"]);
    expect(full.role.name).toBe("hypervisor");
    expect(full.location.name).toBe("Homelab");
    expect(full.primary_ip4.address).toBe("10.20.0.11/24");
  });

  it("lists every device and VM across pages by following absolute next links", async () => {
    const before = fake.http.requests.length;
    const hosts = await client.listHosts({ pageSize: 4 });
    expect(hosts.map((h) => h.name).sort()).toEqual(LAB_HOSTS.map((h) => h.name).sort());
    expect(hosts.filter((h) => h.kind === "device")).toHaveLength(LAB_HOSTS.filter((h) => h.kind === "device").length);
    expect(hosts.find((h) => h.name === "dns01")).toMatchObject({ kind: "virtual-machine", role: "dns", primaryIp: "10.20.10.53" });
    const pages = fake.http.requests.slice(before);
    // 6 devices -> 2 pages, 9 VMs -> 3 pages
    expect(pages).toHaveLength(5);
    expect(pages.filter((r) => r.query.get("offset") === "4")).toHaveLength(2);
  });

  it("reads app_list with validated entries", async () => {
    const { context, apps } = await client.appList();
    expect(context.owner_content_type).toBe("extras.gitrepository");
    expect(context.owner_object_id).toBe(fake.gitRepositoryId);
    expect(apps.traefik).toMatchObject({ host: "edge01", image: "traefik:v3.1", networks: ["proxy"] });
    expect(apps.grafana?.healthcheck?.timeout).toBe(90);
  });

  it("refuses to PATCH a Git-owned config context unless forced", async () => {
    const ctx = await client.getConfigContext("ntp-low");
    expect(ctx?.owner?.name).toBe("labops");
    const err = await client.patchConfigContext(ctx!.id, { ntp: ["1.1.1.1"] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).code).toBe("nautobot_context_git_owned");
    const patched = await client.patchConfigContext(ctx!.id, { ntp: ["1.1.1.1"] }, { force: true });
    expect(patched.data).toEqual({ ntp: ["1.1.1.1"] });
    expect(fake.contextData("ntp-low")).toEqual({ ntp: ["1.1.1.1"] });
  });

  it("says that Nautobot rejected the token on 403, for a bad and for a missing token", async () => {
    const bad = new NautobotClient({ url: fake.url, token: "f".repeat(40) });
    const err = await bad.findHost("pve01").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).reason).toBe("Nautobot rejected the token (Invalid token)");
    expect((err as ApiError).message).not.toContain("f".repeat(40));
    expect((err as ApiError).retryable).toBe(false);
    const res = await fetch(`${fake.url}/api/dcim/devices/`);
    expect(res.status).toBe(403);
    expect(await res.json()).toEqual({ detail: "Authentication credentials were not provided." });
  });

  it("redirects without a trailing slash, rejects unknown versions and unknown filters", async () => {
    const headers = { Authorization: `Token ${fake.token}` };
    const redirect = await fetch(`${fake.url}/api/dcim/devices?name=pve01`, { headers, redirect: "manual" });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get("location")).toBe("/api/dcim/devices/?name=pve01");
    const v = await fetch(`${fake.url}/api/dcim/devices/`, { headers: { ...headers, Accept: "application/json; version=9.9" } });
    expect(v.status).toBe(406);
    const f = await fetch(`${fake.url}/api/dcim/devices/?colour=red`, { headers });
    expect(f.status).toBe(400);
    expect(await f.json()).toEqual({ colour: ["Unknown filter field"] });
  });

  it("lists the services of a device and of a VM with their ports", async () => {
    const pve = await client.findHost("pve01");
    expect(await client.listServices(pve!.id, "device")).toEqual([{ id: expect.any(String), name: "pve-api", protocol: "tcp", ports: [8006] }]);
    const docker01 = await client.findHost("docker01");
    const services = await client.listServices(docker01!.id, "virtual-machine");
    expect(services.map((s) => [s.name, s.ports])).toEqual([["portainer", [9443]], ["grafana", [3000]], ["uptime-kuma", [3001]]]);
  });

  it("creates, changes and deletes a service on a VM; a second of the same name is refused", async () => {
    const vm = (await client.findHost("docker02"))!;
    const { id } = await client.createService({ hostId: vm.id, kind: vm.kind, name: "whoami", protocol: "tcp", ports: [8090] });
    await expect(client.createService({ hostId: vm.id, kind: vm.kind, name: "whoami", protocol: "tcp", ports: [8091] })).rejects.toThrow(/unique set/);
    await client.updateService(id, { protocol: "tcp", ports: [8092, 8093] });
    expect((await client.listServices(vm.id, vm.kind)).find((s) => s.id === id)).toMatchObject({ name: "whoami", ports: [8092, 8093] });
    await client.deleteService(id);
    expect((await client.listServices(vm.id, vm.kind)).some((s) => s.id === id)).toBe(false);
  });

  it("creates a journal entry on a host and rejects an invalid kind", async () => {
    const host = await client.findHost("docker02");
    const { id } = await client.createJournalEntry({
      objectType: "virtualization.virtualmachine",
      objectId: host!.id,
      kind: "success",
      comments: "Deployed jellyfin via Master Deploy",
    });
    expect(fake.journal()).toContainEqual(
      expect.objectContaining({ id, objectId: host!.id, kind: "success", comments: "Deployed jellyfin via Master Deploy" }),
    );
    const err = await client
      .createJournalEntry({ objectType: "dcim.device", objectId: host!.id, kind: "info", comments: "wrong type" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(400);
  });

  it("creates a VM by cluster, role and status names; a duplicate is a 400 and an unknown cluster a UserError", async () => {
    const created = await client.createVirtualMachine({ name: "test-vm01", cluster: "pve", role: "docker-host", vcpus: 2, memory: 4096, disk: 32 });
    expect(created.name).toBe("test-vm01");
    const vm = await client.getVirtualMachine("test-vm01");
    expect(vm).toMatchObject({ id: created.id, vcpus: 2, memory: 4096, disk: 32 });
    expect(vm?.cluster?.name).toBe("pve");
    expect(vm?.status.name).toBe("Active");
    expect(vm?.role?.name).toBe("docker-host");
    expect(vm?.config_context?.docker_host).toBeDefined();
    const dup = await client.createVirtualMachine({ name: "test-vm01", cluster: "pve" }).catch((e: unknown) => e);
    expect((dup as ApiError).status).toBe(400);
    expect((dup as ApiError).reason).toContain("already exists in the assigned cluster");
    const unknown = await client.createVirtualMachine({ name: "x", cluster: "nope" }).catch((e: unknown) => e);
    expect((unknown as UserError).code).toBe("nautobot_unknown_cluster");
  });

  it("answers 503 to a sync without a Celery worker", async () => {
    fake.setNoWorker(true);
    try {
      const err = await client.syncGitRepository(fake.gitRepositoryId).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(503);
      expect((err as ApiError).reason).toBe("Unable to process request: No celery workers running on queue default.");
    } finally {
      fake.setNoWorker(false);
    }
    const job = await client.syncGitRepository(fake.gitRepositoryId);
    expect(QUEUED).toContain(job.status.value);
  });
});

describe("Git sync of a real Git repository", () => {
  let fake: FakeNautobot;
  let client: NautobotClient;
  let work: string;
  let bare: string;

  beforeAll(async () => {
    const root = tempDir("nautobot-git-");
    work = join(root, "work");
    bare = join(root, "labops.git");
    mkdirSync(work);
    git(work, "init", "-q", "-b", "main");
    writeFiles(work, {
      "config_contexts/app_list.yml": APP_LIST,
      // app_list.yml names this schema; without it Nautobot logs "ConfigContextSchema app_list does not exist."
      "config_context_schemas/app_list.yml": "_metadata: {name: app_list}\ndata_schema: {type: object, required: [app_list]}\n",
    });
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "app_list");
    git(root, "clone", "-q", "--bare", work, bare);
    git(work, "remote", "add", "origin", bare);
    fake = new FakeNautobot({ ...profileNautobot(), stepMs: 15, gitRemote: bare, seedDir: tempDir("empty-seed-") });
    await fake.start();
    client = new NautobotClient({ url: fake.url, token: fake.token, timeoutMs: 5_000 });
  });
  afterAll(() => fake.close());

  async function sync() {
    const repo = await client.getGitRepository("labops");
    const queued = await client.syncGitRepository(repo!.id);
    expect(QUEUED).toContain(queued.status.value);
    const seen: string[] = [];
    const outcome = await client.waitForJobResult(queued.id, { intervalMs: 5, timeoutMs: 5_000, onPoll: (r) => seen.push(r.status.value) });
    return { ...outcome, seen };
  }

  it("loads the remote's default branch at start and records its head", async () => {
    const repo = await client.getGitRepository("labops");
    expect(repo).toMatchObject({ remote_url: bare, branch: "main", current_head: git(work, "rev-parse", "HEAD").trim() });
    expect(Object.keys((await client.appList()).apps)).not.toContain("homepage");
  });

  it("picks up a committed change to app_list.yml after a sync", async () => {
    const homepage = "  homepage:\n    host: docker01\n    image: ghcr.io/gethomepage/homepage:v0.9.10\n    ports: [\"3002:3000\"]\n";
    writeFiles(work, { "config_contexts/app_list.yml": APP_LIST.trimEnd() + "\n" + homepage });
    git(work, "commit", "-q", "-am", "add homepage");
    git(work, "push", "-q", "origin", "main");
    const { result, errors, logs, seen } = await sync();
    expect(result.status.value).toBe("SUCCESS");
    expect(result.date_done).not.toBeNull();
    expect(seen.at(-1)).toBe("SUCCESS");
    expect(seen.slice(0, -1).every((s) => s === "PENDING" || s === "STARTED")).toBe(true);
    expect(errors).toEqual([]);
    expect(logs.map((l) => l.message)).toContain("Successfully refreshed config context");
    const { apps } = await client.appList();
    expect(apps.homepage).toEqual({ host: "docker01", image: "ghcr.io/gethomepage/homepage:v0.9.10", ports: ["3002:3000"] });
    expect((await client.findHost("edge01"))?.configContext.app_list).toHaveProperty("homepage");
    expect((await client.getGitRepository("labops"))?.current_head).toBe(git(work, "rev-parse", "HEAD").trim());
  });

  it("ends SUCCESS with error logs for a file without _metadata.name and one that does not parse", async () => {
    writeFiles(work, {
      "config_contexts/nameless.yml": "_metadata: {weight: 10}\nfoo: 1\n",
      "config_contexts/broken.yml": "_metadata:\n  name: broken\n x: [\n",
      "config_contexts/roles/docker-host.yml": "_metadata: {name: dh}\ndocker_host: {networks: [proxy]}\n",
    });
    git(work, "add", "-A");
    git(work, "commit", "-q", "-m", "bad files");
    git(work, "push", "-q", "origin", "main");
    const { result, errors } = await sync();
    expect(result.status.value).toBe("SUCCESS");
    expect(errors.map((e) => [e.log_level, e.grouping])).toEqual([
      ["error", "config contexts"],
      ["error", "config contexts"],
    ]);
    expect(errors.map((e) => e.message).join("\n")).toContain(
      "Error in loading config context data from `nameless.yml`: data `_metadata` is missing the required `name` key.",
    );
    expect(errors.map((e) => e.message).join("\n")).toContain("`broken.yml`");
    expect(Object.keys((await client.appList()).apps)).toContain("homepage");
    expect((await client.findHost("docker01"))?.configContext.docker_host).toEqual({ networks: ["proxy"] });
  });

  it("deletes contexts removed from the repository on the next sync", async () => {
    git(work, "rm", "-q", "config_contexts/roles/docker-host.yml", "config_contexts/nameless.yml", "config_contexts/broken.yml");
    git(work, "commit", "-q", "-m", "cleanup");
    git(work, "push", "-q", "origin", "main");
    const { result, logs, errors } = await sync();
    expect(result.status.value).toBe("SUCCESS");
    expect(errors).toEqual([]);
    expect(logs).toContainEqual(expect.objectContaining({ log_level: "warning", message: "Deleted config context dh" }));
    expect(await client.getConfigContext("dh")).toBeUndefined();
  });

  it("ends FAILURE with an error log when the remote cannot be read", async () => {
    const moved = `${bare}.moved`;
    cpSync(bare, moved, { recursive: true });
    rmSync(bare, { recursive: true, force: true });
    try {
      const { result, errors } = await sync();
      expect(result.status.value).toBe("FAILURE");
      expect(result.traceback).toContain("RuntimeError");
      expect(errors.length).toBeGreaterThan(0);
      // The last good contexts stay in place.
      expect(Object.keys((await client.appList()).apps)).toContain("homepage");
    } finally {
      cpSync(moved, bare, { recursive: true });
    }
  });
});
