import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";

const EXAMPLE = new URL("../../config/labops.example.yaml", import.meta.url).pathname;

describe("config/labops.example.yaml", () => {
  it("loads, and every value shown is the default", () => {
    const fromExample = loadConfig({ LABOPS_CONFIG: EXAMPLE });
    const defaults = loadConfig({ LABOPS_CONFIG: "/dev/null" });
    for (const key of ["aapSettings", "nautobotSettings", "git", "deploy", "proxmoxSettings", "truenasSettings", "permissions", "limits", "audit", "gitops", "schedules", "alerts"] as const) {
      expect(fromExample[key], key).toEqual(defaults[key]);
    }
  });

  it("refuses an unknown key, so a typo is reported", () => {
    const text = readFileSync(EXAMPLE, "utf8").replace("limits:", "limts:");
    expect(() => loadConfig({ LABOPS_CONFIG: "/x.yaml" }, () => text)).toThrow(/limts: unknown key \(did you mean limits\?\)/);
  });
});
