import { describe, expect, it } from "vitest";
import { fileURLToPath } from "node:url";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync, spawnSync } from "node:child_process";
import { join } from "node:path";
import { parse } from "yaml";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const read = (rel: string) => readFileSync(join(ROOT, rel), "utf8");

type Service = {
  image?: string; build?: { context: string; dockerfile?: string } | string; command?: string[];
  environment?: Record<string, string>; env_file?: string | string[]; depends_on?: Record<string, { condition: string }>;
  restart?: string; ports?: string[]; volumes?: string[]; healthcheck?: { test: string[] };
};
// `merge: true` applies YAML 1.1 merge keys (<<), as docker compose does.
const compose = parse(read("docker-compose.yml"), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

/** Names declared in .env.example, commented-out (`# NAME=`) or not. */
function envExampleNames(): Set<string> {
  return new Set([...read(".env.example").matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]!));
}

describe("docker-compose.yml", () => {
  it("runs redis with AOF (fsync every second), a ping healthcheck and a named volume", () => {
    const redis = services.redis!;
    expect(redis.image).toBe("redis:7-alpine");
    const cmd = (redis.command ?? []).join(" ");
    expect(cmd).toMatch(/--appendonly yes/);
    expect(cmd).toMatch(/--appendfsync everysec/);
    expect(redis.healthcheck?.test).toEqual(["CMD", "redis-cli", "ping"]);
    const dataVolume = (redis.volumes ?? []).find((v) => v.endsWith(":/data"))?.split(":")[0];
    expect(dataVolume && dataVolume in compose.volumes).toBe(true);
    expect(redis.restart).toBe("unless-stopped");
  });

  it("runs bot and worker from one build, with their roles, .env, Redis health and restart policy", () => {
    const { bot, worker } = services;
    expect(bot?.build).toEqual(worker?.build);
    expect(bot?.build).toMatchObject({ context: ".", dockerfile: "Dockerfile" });
    expect(bot?.image).toBe(worker?.image);
    expect(bot?.environment?.LABOPS_ROLE).toBe("bot");
    expect(worker?.environment?.LABOPS_ROLE).toBe("worker");
    for (const s of [bot, worker]) {
      expect(s?.env_file).toBe(".env");
      expect(s?.depends_on?.redis?.condition).toBe("service_healthy");
      expect(s?.restart).toBe("unless-stopped");
      expect(s?.environment?.REDIS_URL).toBe("redis://redis:6379");
      expect(s?.environment?.LABOPS_CONFIG).toBe("/app/config/labops.yaml");
      expect(s?.volumes).toContain("./config/labops.yaml:/app/config/labops.yaml:ro");
    }
    expect(bot?.environment?.HTTP_PORT).toBe("3000");
    expect(bot?.ports?.some((p) => p.endsWith(":3000"))).toBe(true);
    expect(worker?.ports, "the worker publishes nothing").toBeUndefined();
  });

  it("documents every variable compose and the app use in .env.example", () => {
    const names = envExampleNames();
    const interpolated = [...read("docker-compose.yml").matchAll(/\$\{([A-Z][A-Z0-9_]*)/g)].map((m) => m[1]!);
    const set = Object.values(services).flatMap((s) => Object.keys(s.environment ?? {}));
    const required = ["REDIS_URL", "LABOPS_ROLE", "LABOPS_CONFIG", "LABOPS_ADMINS", "LOG_LEVEL", "HTTP_PORT", "AAP_URL", "AAP_TOKEN", "AAP_API_PATH",
      "NAUTOBOT_URL", "NAUTOBOT_TOKEN", "PROXMOX_URL", "PROXMOX_TOKEN", "TRUENAS_URL", "TRUENAS_API_KEY", "SLACK_MODE", "SLACK_BOT_TOKEN",
      "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_API_URL", "SLACK_ALERT_CHANNEL", "DISCORD_TOKEN", "DISCORD_APP_ID", "DISCORD_GUILD_ID",
      "DISCORD_API_URL", "DISCORD_ALERT_CHANNEL", "ALERT_WEBHOOK_TOKEN", "ALERT_POLL_INTERVAL", "ADMIN_TOKEN", "CA_BUNDLE", "GIT_REMOTE"];
    for (const name of [...required, ...interpolated, ...set]) expect(names.has(name), `${name} is in .env.example`).toBe(true);
    // Whatever src/config.ts reads must be documented too.
    const declared = [...read("src/config.ts").matchAll(/^\s+([A-Z][A-Z0-9_]+): z\./gm)].map((m) => m[1]!);
    expect(declared.length).toBeGreaterThan(10);
    expect(declared.filter((n) => !names.has(n))).toEqual([]);
  });

  it("gives every .env.example variable a one-line comment and no value that looks like a secret", () => {
    const lines = read(".env.example").split("\n");
    lines.forEach((line, i) => {
      if (!/^[A-Z][A-Z0-9_]*=/.test(line)) return;
      expect(lines[i - 1], `comment above ${line}`).toMatch(/^# \S/);
      const [name, value = ""] = line.split(/=(.*)/s);
      if (/TOKEN|SECRET|KEY|PASSWORD/.test(name!)) expect(value, `${name} ships empty`).toBe("");
    });
  });

  /** The compose implementations on this machine: Compose v2 (`docker compose`) and/or docker-compose v1 (Debian 12). */
  const composes = ([["docker", "compose"], ["docker-compose"]] as const)
    .filter(([cmd, ...sub]) => spawnSync(cmd, [...sub, "version"], { encoding: "utf8" }).status === 0);

  /** `config` in a scratch copy with .env.example as .env, so the check works without the operator's .env. */
  function composeConfig(cmd: readonly string[], args: string[]) {
    const dir = mkdtempSync(join(tmpdir(), "labops-compose-"));
    try {
      copyFileSync(join(ROOT, "docker-compose.yml"), join(dir, "docker-compose.yml"));
      copyFileSync(join(ROOT, ".env.example"), join(dir, ".env"));
      return spawnSync(cmd[0]!, [...cmd.slice(1), "-f", "docker-compose.yml", "config", ...args], { cwd: dir, encoding: "utf8" });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  it("is valid for every compose implementation installed (CI installs Debian's docker-compose 1.29)", () => {
    if (process.env.CI) expect(composes.length, "CI has a compose implementation").toBeGreaterThan(0);
    if (!composes.length) console.info("compose.test: no compose implementation here; only the structure was checked");
    for (const cmd of composes) {
      const res = composeConfig(cmd, ["-q"]);
      expect(res.stderr, cmd.join(" ")).not.toMatch(/error|invalid/i);
      expect(res.status, `${cmd.join(" ")} config -q: ${res.stderr}`).toBe(0);
      // What compose really runs: the worker's Git over SSH settings survive merge keys and interpolation.
      const resolved = parse(composeConfig(cmd, []).stdout) as { services: Record<string, Service> };
      const worker = resolved.services.worker!;
      const env = worker.environment as Record<string, string>;
      expect(env.GIT_SSH_COMMAND).toContain("-o StrictHostKeyChecking=yes");
      expect(env.GIT_SSH_COMMAND).toContain("-o UserKnownHostsFile=/run/labops/git-ssh/known_hosts");
      const mount = JSON.stringify(worker.volumes);
      expect(mount).toMatch(/config\/git-ssh/);
      expect(mount).toMatch(/\/run\/labops\/git-ssh/);
    }
  });

  it("mounts the worker's deploy key and known_hosts read-only and refuses unknown host keys", () => {
    const worker = services.worker!;
    expect(worker.volumes).toContain("./config/git-ssh:/run/labops/git-ssh:ro");
    expect(services.bot!.volumes ?? [], "only the worker pushes").not.toContain("./config/git-ssh:/run/labops/git-ssh:ro");
    const command = worker.environment!.GIT_SSH_COMMAND!;
    expect(command.startsWith("ssh ")).toBe(true);
    // ssh -G prints the options it would use, without connecting: every -o is one ssh understands.
    const probe = spawnSync("ssh", ["-G", ...command.split(/\s+/).slice(1), "git@git.example"], { encoding: "utf8" });
    if (probe.error) {
      expect(process.env.CI, "ssh is installed in CI").toBeFalsy();
      return;
    }
    expect(probe.status, probe.stderr).toBe(0);
    expect(probe.stdout).toMatch(/^stricthostkeychecking true$/m);
    expect(probe.stdout).toMatch(/^userknownhostsfile \/run\/labops\/git-ssh\/known_hosts$/m);
    expect(probe.stdout).toMatch(/^identitiesonly yes$/m);
    expect(command).toContain("-i /run/labops/git-ssh/id_ed25519");
    expect(probe.stdout).toMatch(/^batchmode yes$/m);
    // The key never goes into the image or the repository.
    expect(read(".dockerignore").split("\n")).toContain("config/git-ssh");
    expect(read(".gitignore").split("\n")).toContain("config/git-ssh/");
    expect(read("Dockerfile")).toMatch(/openssh-client/);
  });
});

describe("Dockerfile", () => {
  const dockerfile = read("Dockerfile");
  it("compiles in a build stage, installs production deps only, and runs the JavaScript as non-root", () => {
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toMatch(/^RUN npm run build$/m);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS deps$/m);
    expect(dockerfile).toMatch(/npm ci --omit=dev/);
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS runtime$/m);
    expect(dockerfile).toMatch(/apt-get install -y --no-install-recommends git/);
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain("COPY --from=build /app/dist/ ./dist/");
    for (const dir of ["config/", "config_contexts/"]) expect(dockerfile).toContain(`COPY ${dir} ./${dir}`);
    expect(dockerfile).toMatch(/^CMD \["node", "--enable-source-maps", "dist\/main.js"\]$/m);
    expect(dockerfile).toMatch(/^HEALTHCHECK .*\n?.*\/healthz/m);
    const pkg = JSON.parse(read("package.json")) as { scripts: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.build).toBe("tsc -p tsconfig.build.json");
    expect(pkg.dependencies.tsx, "the image runs compiled JavaScript: tsx is a development tool").toBeUndefined();
  });

  it("the build compiles src/ to JavaScript that starts", () => {
    const out = mkdtempSync(join(tmpdir(), "labops-build-"));
    try {
      execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", join(ROOT, "tsconfig.build.json"), "--outDir", out], { stdio: "pipe" });
      expect(existsSync(join(out, "main.js"))).toBe(true);
      // Relative imports are rewritten from .ts to .js, so node runs the output without a loader.
      expect(readFileSync(join(out, "main.js"), "utf8")).toMatch(/from "\.\/config\.js"/);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 60_000);

  it("keeps secrets and dev files out of the build context", () => {
    const ignored = read(".dockerignore").split("\n");
    for (const entry of [".env", ".git", "node_modules", "test"]) expect(ignored).toContain(entry);
    expect(ignored).not.toContain("src");
    expect(ignored).not.toContain("config_contexts");
  });
});
