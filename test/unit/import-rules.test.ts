import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The dependency rules of docs/ARCHITECTURE.md, checked on every import (type-only imports included) in src/.
 * KNOWN lists the folder pairs that break a rule today, each named there as work to do: a new one fails
 * this test, and one that is fixed must be taken off the list (the test says so).
 */
const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** Top-level unit of a file: its folder under src/, or the file name for files directly in src/; outside src/, the repository's top-level folder ("lab", "test"). */
function unitOf(file: string): string {
  const rel = relative(SRC, file);
  if (rel.startsWith("..")) return `outside:${relative(join(SRC, ".."), file).split(sep)[0]}`;
  const parts = rel.split(sep);
  return parts.length > 1 ? parts[0]! : parts[0]!.replace(/\.ts$/, "");
}

function sources(dir = SRC): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? sources(p) : p.endsWith(".ts") ? [p] : [];
  });
}

interface Edge { from: string; to: string; file: string; spec: string }
const edges: Edge[] = sources().flatMap((file) =>
  [...readFileSync(file, "utf8").matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s+"([^"]+)"/gm)].map((m) => {
    const spec = m[1]!;
    const to = spec.startsWith(".") ? unitOf(normalize(join(dirname(file), spec))) : `npm:${spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/")}`;
    return { from: unitOf(file), to, file: relative(SRC, file), spec };
  }),
);
const pairs = new Set(edges.filter((e) => e.from !== e.to).map((e) => `${e.from} -> ${e.to}`));

/** Imports that break the one-way rule today (docs/ARCHITECTURE.md, "Where the code is not there yet"). */
const KNOWN = new Set<string>([
  // None today: add a pair here only with its reason, and list it in docs/ARCHITECTURE.md.
]);

describe("dependency rules (docs/ARCHITECTURE.md)", () => {
  it("clients/ import only errors.ts, sleep.ts and npm packages", () => {
    const bad = edges.filter((e) => e.from === "clients" && !e.to.startsWith("npm:") && !["clients", "errors", "sleep"].includes(e.to));
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it("only bot/ (and the simulated lab's fakes) import a chat SDK", () => {
    const sdk = ["npm:@slack/bolt", "npm:@slack/web-api", "npm:discord.js", "npm:@discordjs/rest", "npm:discord-api-types"];
    const bad = edges.filter((e) => sdk.includes(e.to) && !["bot", "lab"].includes(e.from));
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it("production code (src/) never imports anything outside src/: the simulated lab and the demo live in lab/, outside the build", () => {
    const bad = edges.filter((e) => e.to.startsWith("outside:"));
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
    expect(existsSync(join(SRC, "lab")), "src/lab/ is back: the simulated lab belongs in lab/").toBe(false);
    const build = JSON.parse(readFileSync(join(SRC, "../tsconfig.build.json"), "utf8")) as { include: string[]; compilerOptions: { rootDir: string } };
    expect(build.include).toEqual(["src"]);
    expect(build.compilerOptions.rootDir).toBe("src");
  });

  it("core/ imports only itself, errors.ts, logger.ts, suggest.ts, config.ts's types and npm packages: it declares the ports queue/ and metrics/ implement", () => {
    const bad = edges.filter((e) => e.from === "core" && !e.to.startsWith("npm:") && !["core", "errors", "logger", "suggest", "config"].includes(e.to));
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it("core/ imports no front end, handler, job table, domain folder or composition root", () => {
    const forbidden = ["bot", "handlers", "jobs", "alerts", "appcatalog", "cleanup", "runner", "gitops", "schedules", "deploy", "sync", "create-labops", "main", "demo", "lab"];
    const bad = edges.filter((e) => e.from === "core" && forbidden.includes(e.to));
    expect(bad.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it("jobs/ (the job table) imports only core/, errors.ts and the domain's argument schemas; no domain folder imports it", () => {
    const domain = ["appcatalog", "cleanup", "runner", "gitops", "schedules", "alerts", "deploy", "sync"];
    const out = edges.filter((e) => e.from === "jobs" && !e.to.startsWith("npm:") && !["jobs", "core", "errors", ...domain].includes(e.to));
    expect(out.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
    const into = edges.filter((e) => e.to === "jobs" && domain.includes(e.from));
    expect(into.map((e) => `${e.file}: ${e.spec}`)).toEqual([]);
  });

  it("domain folders never import queue/, bot/ or handlers/ (beyond the known exceptions)", () => {
    const domain = ["appcatalog", "cleanup", "runner", "gitops", "schedules", "alerts", "deploy", "sync"];
    const bad = [...pairs].filter((p) => {
      const [from, to] = p.split(" -> ") as [string, string];
      return domain.includes(from) && ["queue", "bot", "handlers"].includes(to) && !KNOWN.has(p);
    });
    expect(bad).toEqual([]);
  });

  it("no two top-level folders import each other, except the known pairs; a fixed pair leaves the list", () => {
    const cycles = [...pairs].filter((p) => {
      const [a, b] = p.split(" -> ");
      return !a!.startsWith("npm:") && pairs.has(`${b} -> ${a}`);
    });
    expect(cycles.filter((p) => !KNOWN.has(p))).toEqual([]);
    const stale = [...KNOWN].filter((p) => !pairs.has(p));
    expect(stale, "these known exceptions are fixed: remove them from KNOWN and docs/ARCHITECTURE.md").toEqual([]);
  });
});

/** npm packages a module loads at start: static value imports from `entry`, followed through src/ (type-only imports and `await import()` excluded). */
function loadedAtStart(entry: string): Set<string> {
  const seen = new Set<string>();
  const pkgs = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    for (const m of text.matchAll(/^\s*(import|export)\s+(?!type\b)[^;]*?\bfrom\s+"([^"]+)"/gm)) {
      const spec = m[2]!;
      if (spec.startsWith(".")) visit(normalize(join(dirname(file), spec)));
      else if (!spec.startsWith("node:")) pkgs.add(spec.split("/").slice(0, spec.startsWith("@") ? 2 : 1).join("/"));
    }
  };
  visit(join(SRC, entry));
  return pkgs;
}

describe("each role loads only what it uses", () => {
  it("src/main.ts loads no chat SDK front end and no dashboard before it knows its role (a worker never loads them)", () => {
    const pkgs = loadedAtStart("main.ts");
    expect([...pkgs].filter((p) => ["@slack/bolt", "discord.js", "@bull-board/api", "@bull-board/express"].includes(p))).toEqual([]);
  });

  it("a worker's notifiers use the platforms' Web API packages only", () => {
    expect([...loadedAtStart("bot/slack/create-slack-notifier.ts")].filter((p) => p === "@slack/bolt")).toEqual([]);
    expect([...loadedAtStart("bot/discord/create-discord-notifier.ts")].filter((p) => p === "discord.js")).toEqual([]);
  });
});
