import { describe, expect, it } from "vitest";
import { optionName, slashCommands } from "../../src/bot/discord/slash-commands.ts";
import { CommandRegistry } from "../../src/core/command-registry.ts";
import { COMMANDS } from "../../src/handlers/index.ts";
import { validateCommands, type Obj } from "../../lab/discord/objects.ts";
import { TEST_COMMANDS } from "../helpers/discord-harness.ts";

describe("slash command JSON from the command registry", () => {
  const json = slashCommands(new CommandRegistry([...COMMANDS, ...TEST_COMMANDS])) as unknown as Obj[];

  it("passes Discord's form checks for every command of the real registry", () => {
    expect(validateCommands(json).errors).toEqual({});
    expect(json.map((c) => c.name)).toContain("deploy");
  });

  it("makes /deploy with an autocompleted app, a boolean check, a host string and the admin-only --allow-elevated", () => {
    const deploy = json.find((c) => c.name === "deploy")!;
    expect(deploy).toMatchObject({ type: 1, description: "Deploy apps from Nautobot's app_list with Master Deploy" });
    expect((deploy.options as Obj[]).map((o) => [o.name, o.type, o.required, o.autocomplete ?? false])).toEqual([
      ["app", 3, false, true], ["apps", 3, false, false], ["check", 5, false, false], ["host", 3, false, true], ["allow-elevated", 5, false, false], ["all-on", 3, false, true],
    ]);
  });

  it("turns names with a space into subcommands with integer, number, choices, list and required-first options", () => {
    const root = json.find((c) => c.name === "labtest")!;
    const subs = root.options as Obj[];
    expect(subs.map((s) => [s.name, s.type])).toEqual([["create", 1], ["status", 1]]);
    const opts = subs[0]!.options as Obj[];
    expect(opts[0]).toMatchObject({ name: "name", type: 3, required: true });
    expect(opts.slice(1).every((o) => o.required === false)).toBe(true);
    const by = Object.fromEntries(opts.map((o) => [o.name, o]));
    expect(by.cores!.type).toBe(4);
    expect(by.ratio!.type).toBe(10);
    expect(by.kind!.choices).toEqual([{ name: "lxc", value: "lxc" }, { name: "vm", value: "vm" }]);
    expect(by.kind!.autocomplete).toBeUndefined();
    expect(by.node!.autocomplete).toBe(true);
    expect(by["dry-run"]!.type).toBe(5);
    expect(by.tags!.type).toBe(3);
  });

  it("spells camelCase fields as lowercase option names, like the text flags", () => {
    expect(optionName("dryRun")).toBe("dry-run");
    expect(optionName("app")).toBe("app");
  });

  it("the fake Discord rejects what Discord would (so the checks above mean something)", () => {
    const bad = validateCommands([{ name: "Bad Name", description: "", options: [{ name: "a", type: 3, description: "a" }, { name: "b", type: 3, description: "b", required: true, autocomplete: true, choices: [{ name: "x", value: "x" }] }] }]);
    expect(bad.count).toBe(4);
  });
});
