import { describe, expect, it } from "vitest";
import { allowsRelaunch } from "../../src/core/command.ts";
import { COMMANDS } from "../../src/handlers/index.ts";

describe("which commands an alert may relaunch", () => {
  it("only idempotent operator commands: never an admin command or one that asks for a confirmation", () => {
    const relaunchable = COMMANDS.filter(allowsRelaunch).map((c) => c.name).sort();
    expect(relaunchable).toEqual(["deploy", "runner create", "seed-aap"]);
    for (const c of COMMANDS.filter((x) => x.requires === "admin" || x.confirm)) expect(allowsRelaunch(c)).toBe(false);
  });

  it("a destructive command that asks for a relaunch is still refused", () => {
    expect(allowsRelaunch({ relaunchFromAlert: true, requires: "admin" })).toBe(false);
    expect(allowsRelaunch({ relaunchFromAlert: true, requires: "operator", confirm: { title: () => "", lines: () => [] } })).toBe(false);
    expect(allowsRelaunch({ requires: "operator" })).toBe(false);
  });
});
