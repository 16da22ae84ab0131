import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { slackManifest, slackSlashCommands, SLACK_LIMITS } from "../../src/bot/slack/slack-manifest.ts";
import { CommandRegistry, NAMESPACE, type RegisteredCommand } from "../../src/core/command-registry.ts";
import { parseText } from "../../src/core/parse-text.ts";
import { COMMANDS } from "../../src/handlers/index.ts";

const registry = new CommandRegistry(COMMANDS);

/** A value the schema accepts for each placeholder a usage line can show. A new placeholder must be added here. */
const SAMPLES: Record<string, string> = {
  app: "traefik", host: "docker01", id: "0123456789ab", name: "runner07", node: "pve02", target: "traefik", limit: "5",
  olderThan: "30d", image: "ghcr.io/gethomepage/homepage:v0.9.6", port: "3002:3000", volume: "data:/data", env: "TZ=UTC",
  network: "proxy", command: "deploy", cron: '"0 3 * * *"', tz: "Europe/Berlin", schedule: "s1a2b3c", scope: "app:traefik", window: "for 2h", mute: "m1a2b3c",
  alternateHost: "docker02", capAdd: "NET_ADMIN", device: "/dev/dri", apps: "homepage", allOn: "docker01", template: '"Deploy with Approval"', var: "app=grafana",
};

/** Every concrete form of a hint alternative: all optional parts left out, and all of them given; `<a|b>` takes each choice. */
function forms(alternative: string): string[] {
  const fill = (s: string, pick: number) => s.replace(/<([^>]+)>(\.\.\.)?/g, (_, name: string) => {
    if (name.includes("|")) {
      const choices = name.split("|");
      return choices[pick % choices.length]!;
    }
    const sample = SAMPLES[name];
    if (!sample) throw new Error(`no sample value for placeholder <${name}> in "${alternative}"`);
    return sample;
  });
  const without = alternative.replace(/\[[^\]]*\]/g, "").replace(/\s+/g, " ").trim();
  const withAll = alternative.replace(/\[([^\]]*)\]/g, "$1");
  const choiceCount = Math.max(1, ...[...alternative.matchAll(/<([^>]*\|[^>]*)>/g)].map((m) => m[1]!.split("|").length));
  return [...new Set(Array.from({ length: choiceCount }, (_, i) => [fill(without, i), fill(withAll, i)]).flat())];
}

/** What dispatch does before authorising: resolve the command, parse the text, validate with the zod schema. */
function accepts(root: string, text: string): { ok: true; cmd: RegisteredCommand; args: Record<string, unknown> } | { ok: false; why: string } {
  const r = registry.resolve(root, text);
  if ("error" in r) return { ok: false, why: r.error };
  try {
    const raw = parseText(r.rest, r.cmd.specs, r.cmd.usage);
    const parsed = r.cmd.def.args.safeParse(raw);
    return parsed.success ? { ok: true, cmd: r.cmd, args: parsed.data as Record<string, unknown> } : { ok: false, why: parsed.error.message };
  } catch (e) {
    return { ok: false, why: (e as Error).message };
  }
}

describe("command names: /labops for everything, shortcuts where nothing collides", () => {
  it("declares /labops and the shortcuts, and none of the names Slack or other apps take", () => {
    expect(registry.slashCommands()).toEqual([NAMESPACE, "cleanup-ocp", "deploy", "runner", "seed-aap"]);
    for (const taken of ["status", "help", "job", "cancel", "sync", "app", "history"]) expect(registry.slashCommands()).not.toContain(taken);
  });

  it("resolves /labops <command>, the shortcuts, and `help` after any command", () => {
    const name = (root: string, text: string) => {
      const r = accepts(root, text);
      if (!r.ok) throw new Error(r.why);
      return [r.cmd.def.name, r.args];
    };
    expect(name("labops", "deploy traefik --check")).toEqual(["deploy", { app: "traefik", apps: [], check: true, allowElevated: false }]);
    expect(name("deploy", "traefik")).toEqual(["deploy", { app: "traefik", apps: [], check: false, allowElevated: false }]);
    expect(name("deploy", "traefik homepage")).toEqual(["deploy", { app: "traefik", apps: ["homepage"], check: false, allowElevated: false }]);
    expect(name("labops", "runner create runner07 --node pve02")).toEqual(["runner create", { name: "runner07", node: "pve02" }]);
    expect(name("labops", "status")).toEqual(["status", {}]);
    expect(name("labops", "")).toEqual(["help", {}]);
    expect(name("labops", "help")).toEqual(["help", {}]);
    expect(name("labops", "help deploy")).toEqual(["help", { command: "deploy" }]);
    expect(name("labops", "help runner create")).toEqual(["help", { command: "runner create" }]);
    expect(name("deploy", "help")).toEqual(["help", { command: "deploy" }]);
    expect(name("labops", "deploy help")).toEqual(["help", { command: "deploy" }]);
    expect(name("runner", "help")).toEqual(["help", { command: "runner" }]);
    expect(name("runner", "")).toEqual(["help", { command: "runner" }]);
    expect(name("runner", "destroy help")).toEqual(["help", { command: "runner destroy" }]);
    expect(name("labops", "app show help")).toEqual(["help", { command: "app show" }]);
    expect(name("seed-aap", "help")).toEqual(["help", { command: "seed-aap" }]);
  });

  it("names an unknown command with the nearest ones, spelt as they are typed", () => {
    const r = accepts("labops", "deplyo traefik");
    expect(r.ok).toBe(false);
    expect(!r.ok && r.why).toContain("There is no `/labops deplyo` command. Did you mean `/deploy`?");
    const sub = accepts("runner", "destory runner01");
    expect(!sub.ok && sub.why).toContain("Did you mean `destroy`?");
    const stat = accepts("labops", "stauts");
    expect(!stat.ok && stat.why).toContain("`/labops status`");
  });

  it("usage lines are spelt the way they are typed", () => {
    expect(registry.get("deploy")!.usage).toBe("/deploy [<app>] [<apps>...] [--check] [--host <host>] [--allow-elevated] [--all-on <allOn>]");
    expect(registry.get("status")!.usage).toBe("/labops status");
    expect(registry.get("runner create")!.usage).toBe("/runner create [<name>] [--node <node>]");
    expect(registry.get("app show")!.usage).toBe("/labops app show <app>");
  });
});

describe("slack-manifest.yml", () => {
  const committed = readFileSync(new URL("../../slack-manifest.yml", import.meta.url), "utf8");

  it("is the one generated from the command definitions (run `npm run manifest` after changing a command)", () => {
    expect(committed).toBe(slackManifest(registry));
    const manifest = parse(committed) as { features: { slash_commands: { command: string; description: string; usage_hint: string }[] } };
    expect(manifest.features.slash_commands).toEqual(slackSlashCommands(registry).map((c) => ({ ...c, should_escape: false })));
  });

  it("stays within Slack's limits", () => {
    for (const c of slackSlashCommands(registry)) {
      expect(c.command.length, c.command).toBeLessThanOrEqual(SLACK_LIMITS.command);
      expect(c.description.length, c.command).toBeLessThanOrEqual(SLACK_LIMITS.description);
      expect(c.usage_hint.length, c.command).toBeLessThanOrEqual(SLACK_LIMITS.usageHint);
      expect(c.description.length).toBeGreaterThan(0);
    }
  });

  it("every usage hint parses: each alternative, with and without its optional parts, each choice", () => {
    let checked = 0;
    for (const c of slackSlashCommands(registry)) {
      const root = c.command.slice(1);
      for (const alternative of c.usage_hint.split(" | ")) {
        for (const text of forms(alternative)) {
          const r = accepts(root, text);
          expect(r.ok ? "accepted" : r.why, `${c.command} ${text}`).toBe("accepted");
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30);
  });

  it("every command is in the /labops hint, and every shortcut's command in its own", () => {
    const hints = Object.fromEntries(slackSlashCommands(registry).map((c) => [c.command, c.usage_hint.split(" | ")]));
    for (const c of registry.all()) {
      expect(hints["/labops"]!.some((alt) => alt === c.def.name || alt.startsWith(`${c.def.name} `)), c.def.name).toBe(true);
    }
    expect(hints["/runner"]).toEqual(["create [<name>] [--node <node>]", "status", "destroy <name>", "help"]);
    expect(hints["/deploy"]).toEqual(["[<app>] [<apps>...] [--check] [--host <host>] [--allow-elevated] [--all-on <allOn>]", "help"]);
  });

  it("every example a command's help shows parses", () => {
    for (const c of registry.all()) {
      for (const e of c.def.examples ?? []) {
        const [root, ...rest] = registry.typed(c.def.name).split(" ");
        const r = accepts(root!, `${rest.join(" ")} ${e}`.trim());
        expect(r.ok ? r.cmd.def.name : r.why, `/${registry.typed(c.def.name)} ${e}`).toBe(c.def.name);
      }
    }
  });
});
