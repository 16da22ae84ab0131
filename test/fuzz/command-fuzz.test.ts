import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { trackUnhandled } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/** Generated inputs per command root (every root the registry knows, plus unknown roots). */
const PER_ROOT = 10_000;
const BATCH = 250;
const STATES = new Set(["info", "queued", "waiting", "running", "success", "failure", "warning", "canceled"]);
/** What a failure reply may say: a usage line, or one of the sentences dispatch and the commands use. */
const KNOWN_FAILURE = [
  "Usage:", "There is no `/", "needs one of:", "needs the", "Slow down", "No job `", "has already finished",
  "The job queue is unavailable", "is not a template labops may run", "write it as name=value", "was given twice",
  "Nothing to change", "not both", "named twice", "has not read app_list yet", "picks one app's host",
];

const actors: Actor[] = [
  { platform: "terminal", id: "fuzz-admin", name: "fuzz", groups: [] },
  { platform: "slack", id: "U0FUZZ", name: "nobody", groups: [] },
  { platform: "discord", id: "123456789012", name: "nobody", groups: [] },
];
const channel = { platform: "terminal" as const, channel: "fuzz" };

/** Tokens that make a command text: real subcommands, flags and values mixed with hostile junk. */
function tokenArb(words: string[], flags: string[]): fc.Arbitrary<string> {
  const junk = fc.oneof(
    fc.string({ unit: "binary", maxLength: 20 }),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.string({ unit: fc.constantFrom("\u0000", "\u0007", "\u001b", "\r", "\n", "\t", "\u202e", "\ufeff", "\u200b", "\\", "`", "$", "%"), maxLength: 6 }),
    fc.constantFrom("--", "-", "=", "\"", "'", "\"unterminated", "'x y'", "\"a b c\"", "../../etc/passwd", "%2e%2e%2f", "${jndi:x}", "<@U0ADMIN>", "<!channel>", "NaN", "-1", "1e308", "0x10", "__proto__", "constructor"),
    fc.integer({ min: 1_000, max: 100_000 }).map((n) => "x".repeat(n)),
  );
  const flag = fc.tuple(fc.constantFrom(...flags), fc.option(fc.oneof(fc.constantFrom(...words), junk), { nil: undefined }))
    .map(([f, v]) => (v === undefined ? f : `${f}=${v}`));
  return fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...words) }, { weight: 2, arbitrary: fc.constantFrom(...flags) }, { weight: 1, arbitrary: flag }, { weight: 3, arbitrary: junk });
}

describe("fuzz: generated command texts through dispatchCommand", () => {
  let h: Harness;
  let roots: string[];
  const queued = new Map<string, { root: string; text: string }>();
  let total = 0;

  beforeAll(async () => {
    h = await createHarness({ startWorker: false });
    roots = h.labops.ack.commands.roots();
  });
  afterAll(async () => {
    await h?.close();
  });

  /** Checks one reply; returns the ids of the jobs it queued (several for a /deploy of several apps). */
  const check = (reply: Message, input: string): string[] => {
    const what = `${input.slice(0, 200)} → ${JSON.stringify(reply).slice(0, 300)}`;
    expect(typeof reply.title, what).toBe("string");
    expect(reply.title.length, what).toBeGreaterThan(0);
    expect(STATES.has(reply.state), what).toBe(true);
    const text = renderText(reply);
    expect(text, what).not.toContain("Something went wrong inside labops");
    if (reply.state === "failure") expect(KNOWN_FAILURE.some((s) => text.includes(s)), what).toBe(true);
    return reply.jobIds ?? (reply.jobId ? [reply.jobId] : []);
  };

  it(`≥ ${PER_ROOT} generated texts for every root: no throw, no unhandled rejection, a clear reply, only well-formed commands queued`, async () => {
    const unhandled = trackUnhandled();
    const registry = h.labops.ack.commands;
    try {
      for (const root of [...roots, "__unknown__"]) {
        const subs = registry.subcommands(root).map((c) => c.def.name.split(" ")[1]!);
        const cmds = subs.length ? registry.subcommands(root) : [registry.get(root)].filter((c) => !!c);
        const flags = [...new Set(cmds.flatMap((c) => c!.specs.map((s) => `--${s.name.replace(/[A-Z]/g, (m) => `-${m.toLowerCase()}`)}`)))];
        const words = [...subs, "traefik", "grafana", "nautobot", "project", "all", "runner01", "pve01", "edge01", "30d", "2w", "8080:80", "ghcr.io/x/y:v1", "KEY=v", "a".repeat(12), "0123456789ab"];
        const rootArb = root === "__unknown__" ? fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("deploi", "DEPLOY", "run ner", "", "help!")) : fc.constant(root);
        const arb = fc.tuple(rootArb, fc.array(tokenArb(words, flags.length ? flags : ["--x"]), { maxLength: 8 }), fc.constantFrom(" ", "  ", "\t", "\n", "\u00a0"), fc.nat(actors.length - 1));
        const samples = fc.sample(arb, { numRuns: PER_ROOT, seed: 0x1abc0 + root.length });
        for (let i = 0; i < samples.length; i += BATCH) {
          await Promise.all(samples.slice(i, i + BATCH).map(async ([r, tokens, sep, who], j) => {
            const text = tokens.join(sep);
            const reply = await dispatchCommand(h.labops.ack, { root: r, text, actor: actors[who]!, channel, requestId: `fuzz-${root}-${i + j}` });
            for (const id of check(reply, `/${r} ${text}`)) queued.set(id, { root: r, text });
          }));
        }
        total += samples.length;
      }
      // Structured (Discord-style) options: random objects for every command name.
      const names = registry.all().map((c) => c.def.name);
      const structured = fc.sample(fc.tuple(fc.constantFrom(...names), fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 })), { numRuns: 2_000, seed: 7 });
      for (let i = 0; i < structured.length; i += BATCH) {
        await Promise.all(structured.slice(i, i + BATCH).map(async ([name, options], j) => {
          const reply = await dispatchCommand(h.labops.ack, { root: name.split(" ")[0]!, name, options, actor: actors[0]!, channel, requestId: `fuzz-opt-${i + j}` });
          for (const id of check(reply, `${name} ${JSON.stringify(options)}`)) queued.set(id, { root: name, text: JSON.stringify(options) });
        }));
      }
      total += structured.length;
      await new Promise((r) => setImmediate(r));
      expect(unhandled.rejections).toEqual([]);
    } finally {
      unhandled.stop();
    }
    console.log(`command fuzz: ${total} inputs (${PER_ROOT} per root × ${roots.length + 1} roots + 2000 structured), ${queued.size} queued`);
    expect(total).toBeGreaterThanOrEqual(PER_ROOT * (roots.length + 1));
  }, 300_000); // 10000 texts per root: every new command root adds about 10 s on a loaded machine

  it("queued exactly the jobs that were acknowledged, each a well-formed command", async () => {
    const q = h.labops.queue.queue;
    const counts = await q.getJobCounts("waiting", "delayed", "prioritized", "active", "completed", "failed");
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(queued.size);
    const registry = h.labops.ack.commands;
    for (const [id] of queued) {
      const job = await q.getJob(id);
      expect(job, id).toBeDefined();
      const data = job!.data as { command: string; args: Record<string, unknown> };
      const cmd = registry.get(data.command)!;
      expect(cmd, data.command).toBeDefined();
      expect([cmd.def.job, "labops.cancel"]).toContain(job!.name);
      expect(cmd.def.args.safeParse(data.args).success, `${data.command} ${JSON.stringify(data.args).slice(0, 200)}`).toBe(true);
    }
  }, 60_000);
});
