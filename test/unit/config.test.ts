import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";

describe("loadConfig", () => {
  it("applies defaults and leaves unconfigured systems out", () => {
    const c = loadConfig({ LABOPS_CONFIG: "/dev/null" });
    expect(c.role).toBe("all");
    expect(c.redis.url).toBe("redis://127.0.0.1:6379");
    expect(c.aap).toBeUndefined();
    expect(c.slack).toBeUndefined();
    expect(c.aapSettings.templates.deploy).toBe("Master Deploy");
    expect(c.limits.confirmTtl).toBe(600_000);
  });

  it("reports every bad field by name and never echoes a value", () => {
    const secret = "s3cr3t-value-that-must-not-leak";
    let err: ConfigError | undefined;
    try {
      loadConfig({ LABOPS_CONFIG: "/dev/null", AAP_URL: "not a url", NAUTOBOT_TOKEN: secret, PROXMOX_TOKEN: secret, HTTP_PORT: "99999", SLACK_BOT_TOKEN: secret });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = err!.message;
    for (const name of ["AAP_URL", "PROXMOX_TOKEN", "HTTP_PORT"]) expect(text).toContain(name);
    expect(text).not.toContain(secret);
  });

  it("requires the pair of each system and the tokens of each chat mode", () => {
    expect(() => loadConfig({ LABOPS_CONFIG: "/dev/null", AAP_URL: "https://aap.lab" })).toThrow(/AAP_TOKEN: required when AAP_URL is set/);
    expect(() => loadConfig({ LABOPS_CONFIG: "/dev/null", SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_APP_TOKEN: required for SLACK_MODE=socket/);
    expect(() => loadConfig({ LABOPS_CONFIG: "/dev/null", DISCORD_TOKEN: "t" })).toThrow(/DISCORD_APP_ID, DISCORD_GUILD_ID/);
  });

  it("reads the YAML file and reports a bad key by path", () => {
    const files: Record<string, string> = { "/cfg.yaml": "limits:\n  cooldown: 10s\naap:\n  templates:\n    deploy: Deploy App\n", "/bad.yaml": "limits:\n  jobAttempts: 99\n" };
    const c = loadConfig({ LABOPS_CONFIG: "/cfg.yaml" }, (p) => files[p]!);
    expect(c.limits.cooldown).toBe(10_000);
    expect(c.aapSettings.templates.deploy).toBe("Deploy App");
    expect(() => loadConfig({ LABOPS_CONFIG: "/bad.yaml" }, (p) => files[p]!)).toThrow(/\/bad.yaml: limits.jobAttempts/);
  });

  it("reads alerts.maintenance windows and refuses a bad cron, zone or scope by its key path", () => {
    const files: Record<string, string> = {
      "/ok.yaml": "alerts:\n  maintenance:\n    - scope: host:docker02\n      cron: \"0 3 * * 0\"\n      duration: 2h\n      tz: Europe/Berlin\n",
      "/cron.yaml": "alerts:\n  maintenance:\n    - scope: host:docker02\n      cron: \"0 3 * * 0\"\n      duration: 1h\n    - scope: app:jellyfin\n      cron: \"61 3 * * *\"\n      duration: 1h\n",
      "/words.yaml": "alerts:\n  maintenance:\n    - scope: app:jellyfin\n      cron: every sunday\n      duration: 1h\n",
      "/tz.yaml": "alerts:\n  maintenance:\n    - scope: app:jellyfin\n      cron: \"0 3 * * *\"\n      duration: 1h\n      tz: Mars/Olympus\n",
      "/scope.yaml": "alerts:\n  maintenance:\n    - scope: docker02\n      cron: \"0 3 * * *\"\n      duration: 1h\n",
    };
    const problems = (path: string) => {
      try {
        loadConfig({ LABOPS_CONFIG: path }, (p) => files[p]!);
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error(`${path} was accepted`);
    };
    expect(loadConfig({ LABOPS_CONFIG: "/ok.yaml" }, (p) => files[p]!).alerts.maintenance).toEqual([{ scope: "host:docker02", cron: "0 3 * * 0", duration: 7_200_000, tz: "Europe/Berlin" }]);
    // The second window is the bad one, and the message names it by index.
    expect(problems("/cron.yaml")).toMatch(/\/cron\.yaml: alerts\.maintenance\.1\.cron: .*61/);
    expect(problems("/cron.yaml")).not.toContain("alerts.maintenance.0");
    expect(problems("/words.yaml")).toMatch(/\/words\.yaml: alerts\.maintenance\.0\.cron: /);
    expect(problems("/tz.yaml")).toMatch(/\/tz\.yaml: alerts\.maintenance\.0\.(cron|tz): /);
    expect(problems("/scope.yaml")).toContain("/scope.yaml: alerts.maintenance.0.scope: must be app:<name>, host:<name> or template:<name>");
  });

  it("refuses an unknown key at every level, naming its path and the nearest known key", () => {
    const files: Record<string, string> = {
      "/grant.yaml": "permissions:\n  grant:\n    - role: admin\n      slackUsers: [U1]\n",
      "/deep.yaml": "aap:\n  templates:\n    deplyo: Deploy App\n",
      "/item.yaml": "permissions:\n  grants:\n    - role: admin\n      slackUser: [U1]\n",
      "/far.yaml": "truenas:\n  zzzzzzzz: 1\n",
    };
    const problems = (path: string) => {
      try {
        loadConfig({ LABOPS_CONFIG: path }, (p) => files[p]!);
      } catch (e) {
        expect(e).toBeInstanceOf(ConfigError);
        return (e as ConfigError).message;
      }
      throw new Error(`${path} was accepted`);
    };
    expect(problems("/grant.yaml")).toContain("/grant.yaml: permissions.grant: unknown key (did you mean grants?)");
    expect(problems("/deep.yaml")).toContain("/deep.yaml: aap.templates.deplyo: unknown key (did you mean deploy?)");
    expect(problems("/item.yaml")).toContain("/item.yaml: permissions.grants.0.slackUser: unknown key (did you mean slackUsers?)");
    expect(problems("/far.yaml")).toMatch(/truenas\.zzzzzzzz: unknown key$/m);
  });

  it("refuses a named settings file that is missing or is a directory; the default path may be absent", () => {
    const dir = mkdtempSync(join(tmpdir(), "labops-config-"));
    try {
      expect(() => loadConfig({ LABOPS_CONFIG: join(dir, "labops.yaml") })).toThrow(/LABOPS_CONFIG: the settings file .*labops\.yaml does not exist/);
      mkdirSync(join(dir, "labops.yaml"));
      expect(() => loadConfig({ LABOPS_CONFIG: join(dir, "labops.yaml") })).toThrow(/is a directory, not a settings file\. Docker creates an empty directory/);
      // Unset, the default path (config/labops.yaml) is optional; /dev/null is an explicit empty file.
      const absent = (p: string) => {
        throw Object.assign(new Error(`ENOENT: ${p}`), { code: "ENOENT" });
      };
      expect(loadConfig({}, absent).limits.cooldown).toBe(5_000);
      expect(loadConfig({ LABOPS_CONFIG: "/dev/null" }).limits.cooldown).toBe(5_000);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("collects every secret for the log scrubber", () => {
    const c = loadConfig({ LABOPS_CONFIG: "/dev/null", AAP_URL: "https://a", AAP_TOKEN: "tok-aap", PROXMOX_URL: "https://p", PROXMOX_TOKEN: "u@pve!id=uuid-secret", REDIS_URL: "redis://:pw-redis@h:6379" });
    expect(c.secrets).toEqual(expect.arrayContaining(["tok-aap", "u@pve!id=uuid-secret", "uuid-secret", "pw-redis"]));
  });

  it("parses durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });
});
