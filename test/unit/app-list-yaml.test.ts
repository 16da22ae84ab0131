import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { appAddArgs } from "../../src/appcatalog/app-args.ts";
import { addAppToYaml, appNamesInYaml, removeAppFromYaml, setAppInYaml } from "../../src/appcatalog/app-list-yaml.ts";
import { imageCheck, imageProblem } from "../../src/appcatalog/app-validate.ts";

const ORIGINAL = readFileSync(new URL("../../config_contexts/app_list.yml", import.meta.url), "utf8");

describe("app_list YAML edits (yaml Document API)", () => {
  it("appends an app in the file's own style and leaves every other byte alone", () => {
    const out = addAppToYaml(ORIGINAL, "homepage", {
      host: "docker01", image: "ghcr.io/gethomepage/homepage:v0.9.6", ports: ["3002:3000"],
      volumes: ["/opt/homepage:/app/config"], env: { TZ: "Europe/Berlin", PUID: "1000" }, networks: ["proxy"],
    });
    expect(out.startsWith(ORIGINAL)).toBe(true);
    expect(out.slice(ORIGINAL.length)).toBe([
      "  homepage:",
      "    host: docker01",
      "    image: ghcr.io/gethomepage/homepage:v0.9.6",
      '    ports: ["3002:3000"]',
      '    volumes: ["/opt/homepage:/app/config"]',
      '    env: {TZ: "Europe/Berlin", PUID: "1000"}',
      "    networks: [proxy]",
      "",
    ].join("\n"));
    const data = parse(out) as { app_list: Record<string, { env: Record<string, string> }> };
    expect(data.app_list.homepage!.env.PUID).toBe("1000"); // a string, as the schema wants
    expect(appNamesInYaml(out).at(-1)).toBe("homepage");
  });

  it("removes an app and keeps the comments and the other entries", () => {
    const out = removeAppFromYaml(ORIGINAL, "grafana");
    expect(appNamesInYaml(out)).not.toContain("grafana");
    expect(appNamesInYaml(out)).toContain("uptime-kuma");
    expect(out).toContain("# A mapping, not a list: Nautobot deep-merges mappings across config contexts.");
    expect(ORIGINAL.split("\n").length - out.split("\n").length).toBe(9);
  });

  it("refuses duplicates, missing apps and broken files", () => {
    expect(() => addAppToYaml(ORIGINAL, "traefik", { host: "edge01", image: "traefik:v3.2" })).toThrow("already in the file");
    expect(() => removeAppFromYaml(ORIGINAL, "nope")).toThrow("not in the file");
    expect(() => addAppToYaml("app_list: [", "x", { host: "h", image: "i:1" })).toThrow("not valid YAML");
    expect(() => addAppToYaml("other: 1\n", "x", { host: "h", image: "i:1" })).toThrow("no `app_list` mapping");
  });

  it("changes one entry in place: only the changed values, the comments inside it kept, dropped keys gone", () => {
    const traefik = (parse(ORIGINAL) as { app_list: Record<string, Record<string, unknown>> }).app_list.traefik!;
    const out = setAppInYaml(ORIGINAL, "traefik", { ...traefik, image: "traefik:v3.2", env: undefined } as never);
    const before = ORIGINAL.split("\n");
    const after = out.split("\n");
    expect(after.filter((l) => !before.includes(l))).toEqual(["    image: traefik:v3.2"]);
    expect(before.filter((l) => !after.includes(l))).toEqual(["    image: traefik:v3.1"]);
    expect(after.length).toBe(before.length - 1); // traefik's `env: {}` is gone
    expect((parse(out) as { app_list: Record<string, Record<string, unknown>> }).app_list.traefik).not.toHaveProperty("env");
    expect(out).toContain("    # Routes come from the file provider");
    expect((parse(out) as { app_list: Record<string, unknown> }).app_list.traefik).toMatchObject({ image: "traefik:v3.2", ports: ["80:80", "443:443", "8080:8080"] });
    expect(() => setAppInYaml(ORIGINAL, "nope", { host: "h", image: "i:1" })).toThrow("not in the file");
  });
});

describe("image references", () => {
  it("accepts pinned references and explains what is wrong with others", () => {
    for (const ok of ["traefik:v3.1", "ghcr.io/gethomepage/homepage:v0.9.6", "registry.lab:5000/team/app:1.0", `nginx@sha256:${"a".repeat(64)}`]) {
      expect(imageProblem(ok), ok).toBeUndefined();
    }
    expect(imageProblem("nginx")).toContain("has no tag");
    expect(imageProblem("nginx:latest")).toContain("uses `latest`");
    expect(imageProblem("Nginx:1.0")).toContain("not an image reference");
    expect(imageProblem("nginx:1.0 ; rm -rf /")).toContain("not an image reference");
  });

  it("treats latest (and no tag) by deploy.latestTag: warn needs --allow-latest, refuse never, allow always", () => {
    expect(imageCheck("nginx:latest", { latestTag: "warn" }).problem).toContain("add `--allow-latest`");
    expect(imageCheck("nginx:latest", { latestTag: "warn", allowLatest: true })).toEqual({ warning: expect.stringContaining("a redeploy may run another version") });
    expect(imageCheck("nginx", { latestTag: "warn", allowLatest: true }).warning).toContain("has no tag (Docker reads it as `latest`)");
    expect(imageCheck("nginx:latest", { latestTag: "refuse", allowLatest: true }).problem).toContain("deploy.latestTag is refuse");
    expect(imageCheck("nginx:latest", { latestTag: "allow" })).toEqual({});
    expect(imageCheck("Nginx:latest", { latestTag: "allow" }).problem).toContain("not an image reference");
    expect(imageCheck(`nginx:latest@sha256:${"b".repeat(64)}`, { latestTag: "refuse" })).toEqual({});
  });
});

describe("port mappings", () => {
  const ports = (...port: string[]) => appAddArgs.safeParse({ app: "a", image: "a:1", host: "h", port });
  it("reads one port as the same port on both sides, and keeps the protocol", () => {
    expect(ports("3000", "53/udp", "8080:80").data?.port).toEqual(["3000:3000", "53:53/udp", "8080:80"]);
    // Parsing again (the worker re-validates the arguments) changes nothing.
    expect(appAddArgs.parse(ports("3000").data).port).toEqual(["3000:3000"]);
    expect(ports("70000").error?.issues[0]?.message).toBe("ports must be between 1 and 65535");
    expect(ports("3000:").success).toBe(false);
    expect(ports("3000/icmp").success).toBe(false);
  });
});
