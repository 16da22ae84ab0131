import { describe, expect, it } from "vitest";
import { z } from "zod";
import { argSpecs, usage } from "../../src/core/arg-spec.ts";
import { parseText, tokenize } from "../../src/core/parse-text.ts";
import { closeMatches } from "../../src/suggest.ts";
import { UserError } from "../../src/errors.ts";

const shape = {
  app: z.string().describe("App name"),
  check: z.boolean().default(false),
  host: z.string().optional(),
  port: z.array(z.string()).optional(),
  olderThan: z.string().optional(),
  target: z.enum(["project", "all"]).optional(),
};
const specs = argSpecs(shape, ["app"]);
const line = usage("x", specs);

describe("argument specs from zod", () => {
  it("reads kind, list, required, positional and choices", () => {
    expect(specs.map((s) => [s.name, s.kind, s.list, s.required, s.positional])).toEqual([
      ["app", "string", false, true, true],
      ["check", "boolean", false, false, false],
      ["host", "string", false, false, false],
      ["port", "string", true, false, false],
      ["olderThan", "string", false, false, false],
      ["target", "enum", false, false, false],
    ]);
    expect(specs.find((s) => s.name === "target")?.choices).toEqual(["project", "all"]);
    expect(specs[0]!.description).toBe("App name");
  });

  it("renders a usage line with kebab-case flags", () => {
    expect(line).toBe("/x <app> [--check] [--host <host>] [--port <port>...] [--older-than <olderThan>] [--target <project|all>]");
  });
});

describe("slash-command text", () => {
  it("tokenizes with quotes", () => {
    expect(tokenize(`add "my app" --env 'A=b c'  x`)).toEqual(["add", "my app", "--env", "A=b c", "x"]);
  });

  it("parses positionals, flags, =values, booleans and repeated flags", () => {
    expect(parseText("traefik --check --host=edge01 --port 80:80 --port 443:443 --older-than 30d", specs, line)).toEqual({
      app: "traefik", check: true, host: "edge01", port: ["80:80", "443:443"], olderThan: "30d",
    });
  });

  it.each([
    ["traefik --nope", "Unknown option `--nope`"],
    ["traefik --host", "`--host` needs a value"],
    ["traefik extra", "Unexpected `extra`"],
    ["traefik --host a --host b", "`--host` was given twice"],
  ])("refuses %j with a usage message", (text, expected) => {
    expect(() => parseText(text, specs, line)).toThrow(UserError);
    try {
      parseText(text, specs, line);
    } catch (e) {
      expect((e as Error).message).toContain(expected);
      expect((e as Error).message).toContain(`Usage: \`${line}\``);
    }
  });
});

describe("close matches", () => {
  it("suggests near names, best first, and nothing for strangers", () => {
    expect(closeMatches("traefk", ["traefik", "grafana", "portainer"])).toEqual(["traefik"]);
    expect(closeMatches("graf", ["traefik", "grafana"])).toEqual(["grafana"]);
    expect(closeMatches("zzzzzz", ["traefik", "grafana"])).toEqual([]);
  });
});

describe("a rest-of-line positional", () => {
  const restSpecs = argSpecs({ cron: z.string(), command: z.string(), tz: z.string().optional() }, ["cron", "command"], "command");
  const restUsage = usage("schedule add", restSpecs);
  it("takes the rest of the line verbatim, flags and quotes included, after the options before it", () => {
    expect(restUsage).toBe("/schedule add <cron> [--tz <tz>] <command>");
    expect(parseText('"0 3 * * *" --tz Europe/Berlin deploy traefik --check --host "edge 01"', restSpecs, restUsage)).toEqual({
      cron: "0 3 * * *", tz: "Europe/Berlin", command: 'deploy traefik --check --host "edge 01"',
    });
    expect(parseText("'*/5 * * * *' /sync all", restSpecs, restUsage)).toEqual({ cron: "*/5 * * * *", command: "/sync all" });
    expect(parseText('"0 3 * * *"', restSpecs, restUsage)).toEqual({ cron: "0 3 * * *" });
  });
});
