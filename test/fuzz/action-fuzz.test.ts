import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { actorKey, type Actor, type ChannelRef, type Role } from "../../src/core/actor.ts";
import { dispatchAction, dispatchCommand, type AckDeps, type ActionHandler } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { trackUnhandled } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const CLICKS = 12_000;
const BATCH = 200;
const channel: ChannelRef = { platform: "slack", channel: "C0OPS" };

/** People: roles come from grants (ops group → operator, one viewer, a Discord admin role) and the terminal (admin). */
const PEOPLE: Actor[] = [
  { platform: "slack", id: "U0ALICE", name: "alice", groups: ["S0OPS"] },
  { platform: "slack", id: "U0BOB", name: "bob", groups: [] },
  { platform: "slack", id: "U0VIEW", name: "vera", groups: [] },
  { platform: "discord", id: "111111111111", name: "dora", groups: ["R0ADMIN"] },
  { platform: "terminal", id: "t1", name: "tess", groups: [] },
  { platform: "terminal", id: "t2", name: "tom", groups: [] },
];
/** Look-alikes of the owners: same id on another platform, same name with another id, a forged group. */
const SPOOFS: Actor[] = [
  { platform: "discord", id: "U0ALICE", name: "alice", groups: ["S0OPS"] },
  { platform: "slack", id: "U0ALICE2", name: "alice", groups: ["S0OPS"] },
  { platform: "slack", id: "u0alice", name: "alice", groups: ["S0OPS"] },
  { platform: "slack", id: "U0ALICE ", name: "alice", groups: [] },
  { platform: "terminal", id: "U0ALICE", name: "alice", groups: [] },
  { platform: "slack", id: "", name: "", groups: [] },
];

interface Made {
  id: string;
  boundTo?: string | undefined;
  requires: Role;
  singleUse: boolean;
  expired: boolean;
}

describe("fuzz: generated button clicks through dispatchAction", () => {
  let h: Harness;
  let deps: AckDeps;
  const runs: { tag: string; actor: Actor }[] = [];
  const made: Made[] = [];
  const confirms: { id: string; owner: Actor; requestId: string }[] = [];

  beforeAll(async () => {
    h = await createHarness({
      startWorker: false,
      tweak: (c) => {
        c.permissions.grants = [
          { role: "operator", slackGroups: ["S0OPS"], slackUsers: [], discordUsers: [], discordRoles: [], channels: [] },
          { role: "viewer", slackUsers: ["U0VIEW"], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] },
          { role: "admin", discordRoles: ["R0ADMIN"], slackUsers: [], slackGroups: [], discordUsers: [], channels: [] },
        ];
      },
    });
    // A probe action kind next to the real ones: it records who ran it.
    const probe: ActionHandler = {
      kind: "probe",
      async run({ payload, actor }) {
        runs.push({ tag: String(payload.tag), actor });
        return { update: { title: "probe ran", state: "info" } };
      },
    };
    deps = { ...h.labops.ack, actionHandlers: new Map([...h.labops.ack.actionHandlers, ["probe", probe]]) };
    const roles: Role[] = ["viewer", "operator", "admin"];
    for (let i = 0; i < 240; i++) {
      const owner = PEOPLE[i % PEOPLE.length]!;
      const bound = i % 5 !== 0;
      const rec: Omit<Made, "id"> = { boundTo: bound ? actorKey(owner) : undefined, requires: roles[i % 3]!, singleUse: i % 2 === 0, expired: i % 7 === 0 };
      const id = await deps.actions.create({ kind: "probe", payload: { tag: "" }, boundTo: rec.boundTo, boundName: owner.name, requires: rec.requires, singleUse: rec.singleUse, ttlMs: rec.expired ? 1 : 600_000 });
      // The tag is the id itself (set after creation), so a run can be traced to its record.
      await h.labops.redis.set(`${h.config.redis.prefix}:action:${id}`, JSON.stringify({ kind: "probe", payload: { tag: id }, boundTo: rec.boundTo, boundName: owner.name, requires: rec.requires, singleUse: rec.singleUse, expiresAt: Date.now() + 600_000 }), "PX", rec.expired ? 1 : 600_000);
      made.push({ id, ...rec });
    }
    // Real confirmations (/runner destroy needs admin): the owner is the only one who may confirm.
    for (const owner of [PEOPLE[3]!, PEOPLE[4]!]) {
      for (let i = 0; i < 10; i++) {
        const requestId = `ask-${owner.id}-${i}`;
        const ask = await dispatchCommand(deps, { root: "runner", text: `destroy runner0${i}`, actor: owner, channel, requestId });
        expect(ask.buttons?.length, renderText(ask)).toBe(2);
        confirms.push({ id: ask.buttons![0]!.id, owner, requestId });
      }
    }
    await new Promise((r) => setTimeout(r, 20)); // the 1 ms ones are gone
  });
  afterAll(async () => {
    await h?.close();
  });

  it(`${CLICKS} generated clicks (random, forged, foreign, expired, replayed ids): never throws, never runs an action for someone it is not bound to`, async () => {
    const unhandled = trackUnhandled();
    const ids = [...made.map((m) => m.id), ...confirms.map((c) => c.id)];
    const idArb = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...ids) },
      { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 60 }) },
      { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".split("")), minLength: 22, maxLength: 22 }).map((s) => `act:${s}`) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ids), fc.nat(25), fc.constantFrom("A", "_", "*", "\u0000", "'", "\"", " ")).map(([id, at, c]) => id.slice(0, 4 + at) + c + id.slice(5 + at)) },
      { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ids), fc.constantFrom("", " ", "*", "\n", "?", ":x", "/../act:x")).map(([id, s]) => `${id}${s}`) },
      { weight: 1, arbitrary: fc.constantFrom("act:*", "act:", "", "act:" + "A".repeat(40), "*", "act:AAAAAAAAAA\r\nDEL x") },
    );
    const actorArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...PEOPLE) }, { weight: 1, arbitrary: fc.constantFrom(...SPOOFS) });
    const samples = fc.sample(fc.tuple(idArb, actorArb), { numRuns: CLICKS, seed: 4242 });
    let replies = 0;
    try {
      for (let i = 0; i < samples.length; i += BATCH) {
        await Promise.all(samples.slice(i, i + BATCH).map(async ([actionId, actor], j) => {
          const out = await dispatchAction(deps, { actionId, actor, channel, requestId: `click-${i + j}` });
          expect(out.reply ?? out.update).toBeDefined();
          if (out.reply) {
            replies++;
            expect(renderText(out.reply)).not.toContain("Something went wrong inside labops");
          }
        }));
      }
      await new Promise((r) => setImmediate(r));
      expect(unhandled.rejections).toEqual([]);
    } finally {
      unhandled.stop();
    }

    const byId = new Map(made.map((m) => [m.id, m]));
    const perId = new Map<string, number>();
    for (const r of runs) {
      const m = byId.get(r.tag);
      expect(m, `a run of an action that was never made: ${r.tag}`).toBeDefined();
      expect(m!.expired, `expired action ${r.tag} ran`).toBe(false);
      if (m!.boundTo) expect(actorKey(r.actor)).toBe(m!.boundTo);
      expect(deps.permissions.allows(r.actor, channel, m!.requires), `${actorKey(r.actor)} lacks ${m!.requires}`).toBe(true);
      perId.set(r.tag, (perId.get(r.tag) ?? 0) + 1);
    }
    for (const [tag, n] of perId) if (byId.get(tag)!.singleUse) expect(n, `single-use ${tag} ran ${n} times`).toBe(1);
    // Confirmations: only their owner's clicks queued anything, and each at most once.
    const jobs = await h.labops.queue.queue.getJobs(["waiting", "delayed", "prioritized"], 0, 1_000);
    for (const job of jobs) {
      const data = job.data as { actor: Actor; requestId: string };
      const c = confirms.find((x) => data.requestId === `confirmed:${x.requestId}`);
      expect(c, `a job not from a confirmation: ${data.requestId}`).toBeDefined();
      expect(actorKey(data.actor)).toBe(actorKey(c!.owner));
    }
    expect(jobs.length).toBeLessThanOrEqual(confirms.length);
    console.log(`action fuzz: ${samples.length} clicks, ${runs.length} probe runs (${perId.size} distinct), ${jobs.length} confirmations queued, ${replies} refusals/replies`);
    expect(runs.length).toBeGreaterThan(0);
  }, 60_000);
});
