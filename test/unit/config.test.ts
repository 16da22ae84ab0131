import { describe, expect, it } from "vitest";
import { loadConfig, parseDuration } from "../../src/config.ts";
import { ConfigError } from "../../src/errors.ts";

describe("loadConfig", () => {
  it("applies defaults and leaves unconfigured systems out", () => {
    const c = loadConfig({ LABOPS_CONFIG: "/nonexistent.yaml" });
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
      loadConfig({ LABOPS_CONFIG: "/nonexistent.yaml", AAP_URL: "not a url", NAUTOBOT_TOKEN: secret, PROXMOX_TOKEN: secret, HTTP_PORT: "99999", SLACK_BOT_TOKEN: secret });
    } catch (e) {
      err = e as ConfigError;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const text = err!.message;
    for (const name of ["AAP_URL", "PROXMOX_TOKEN", "HTTP_PORT"]) expect(text).toContain(name);
    expect(text).not.toContain(secret);
  });

  it("requires the pair of each system and the tokens of each chat mode", () => {
    expect(() => loadConfig({ LABOPS_CONFIG: "/x", AAP_URL: "https://aap.lab" })).toThrow(/AAP_TOKEN: required when AAP_URL is set/);
    expect(() => loadConfig({ LABOPS_CONFIG: "/x", SLACK_BOT_TOKEN: "xoxb-1" })).toThrow(/SLACK_APP_TOKEN: required for SLACK_MODE=socket/);
    expect(() => loadConfig({ LABOPS_CONFIG: "/x", DISCORD_TOKEN: "t" })).toThrow(/DISCORD_APP_ID, DISCORD_GUILD_ID/);
  });

  it("reads the YAML file and reports a bad key by path", () => {
    const files: Record<string, string> = { "/cfg.yaml": "limits:\n  cooldown: 10s\naap:\n  templates:\n    deploy: Deploy App\n", "/bad.yaml": "limits:\n  jobAttempts: 99\n" };
    const c = loadConfig({ LABOPS_CONFIG: "/cfg.yaml" }, (p) => files[p]!);
    expect(c.limits.cooldown).toBe(10_000);
    expect(c.aapSettings.templates.deploy).toBe("Deploy App");
    expect(() => loadConfig({ LABOPS_CONFIG: "/bad.yaml" }, (p) => files[p]!)).toThrow(/\/bad.yaml: limits.jobAttempts/);
  });

  it("collects every secret for the log scrubber", () => {
    const c = loadConfig({ LABOPS_CONFIG: "/x", AAP_URL: "https://a", AAP_TOKEN: "tok-aap", PROXMOX_URL: "https://p", PROXMOX_TOKEN: "u@pve!id=uuid-secret", REDIS_URL: "redis://:pw-redis@h:6379" });
    expect(c.secrets).toEqual(expect.arrayContaining(["tok-aap", "u@pve!id=uuid-secret", "uuid-secret", "pw-redis"]));
  });

  it("parses durations", () => {
    expect(parseDuration("500ms")).toBe(500);
    expect(parseDuration("2m")).toBe(120_000);
    expect(parseDuration("1.5h")).toBe(5_400_000);
    expect(() => parseDuration("soon")).toThrow(/not a duration/);
  });
});
