import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { addAppToYaml, appNamesInYaml, removeAppFromYaml } from "../../src/appcatalog/app-list-yaml.ts";
import { imageProblem } from "../../src/appcatalog/app-validate.ts";

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
});
