import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction, dispatchCommand } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import type { LabopsMetrics } from "../../src/metrics/labops-metrics.ts";
import { Admission } from "../../src/queue/admission.ts";
import { UserError } from "../../src/errors.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/**
 * Every command is charged to its person (a token bucket in Redis: bursts of `commandBurst`, refilled at
 * `commandsPerMinute`), and a person may have at most `queuedJobsPerPerson` jobs waiting or running.
 * A redelivery is answered "already received", never "Slow down".
 */
const viewer: Actor = { platform: "slack", id: "U0VIEWER", name: "vic", groups: [] };
const operator: Actor = { platform: "slack", id: "U0OPER", name: "olga", groups: [] };
const other: Actor = { platform: "slack", id: "U0OTHER", name: "otto", groups: [] };

function grants(c: Harness["config"]) {
  c.permissions.grants.push({ role: "viewer", slackUsers: [viewer.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
  c.permissions.grants.push({ role: "operator", slackUsers: [operator.id, other.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
}

const SLOW_DOWN = /^Slow down: labops takes up to 10 commands at once and 20 a minute from each person\. Try again in \d+ s\.$/;

async function waitingJobs(h: Harness): Promise<number> {
  const c = await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "prioritized");
  return Object.values(c).reduce((a, b) => a + b, 0);
}

describe("per-person command budget (20 a minute, bursts of 10)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      startWorker: false,
      tweak: (c) => {
        grants(c);
        c.limits.commandsPerMinute = 20;
        c.limits.commandBurst = 10;
        c.limits.queuedJobsPerPerson = 0; // this block looks at the budget alone
        c.limits.cooldown = 5_000;
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it("a viewer sending 2,000 `/app list` gets at most the budget queued; every other one is refused with a clear ephemeral message", async () => {
    const t0 = performance.now();
    const replies = await Promise.all(Array.from({ length: 2_000 }, () => h.run("/app list", viewer)));
    const ms = performance.now() - t0;
    // `/app list` queues a job, or answers from the app_list copy once the background read has one: either
    // way, only the budget's worth get an answer.
    const refused = replies.filter((r) => SLOW_DOWN.test(r.lines?.[0] ?? ""));
    const admitted = replies.filter((r) => !refused.includes(r));
    const queued = admitted.filter((r) => r.jobId);
    // The burst, plus what the bucket refilled while the 2,000 were answered (20 a minute: one per 3 s).
    const refill = Math.ceil(ms / 3_000);
    expect(admitted.length).toBeGreaterThanOrEqual(10);
    expect(admitted.length).toBeLessThanOrEqual(10 + refill);
    expect(await waitingJobs(h)).toBe(queued.length);
    for (const r of refused) {
      expect(r.ephemeral).toBe(true);
      expect(r.state).toBe("failure");
      expect(r.lines?.[0]).toMatch(SLOW_DOWN);
    }
    console.log(`budget: 2000 /app list in ${Math.round(ms)} ms → ${admitted.length} answered (${queued.length} queued), ${refused.length} refused`);
    // Another person is not affected by the viewer's flood.
    expect((await h.run("/app list", other)).lines?.[0]).not.toMatch(SLOW_DOWN);
    // The refusals were counted as limited, not as errors.
    const metrics = await (h.labops.metrics as LabopsMetrics).registry.getSingleMetricAsString("labops_commands_total");
    expect(metrics).toMatch(new RegExp(`labops_commands_total\\{command="app list",outcome="limited"\\} ${refused.length}\\b`));
  }, 60_000);

  it("the budget covers commands answered without a job and forbidden ones too (a flood of refusals cannot fill the audit trail)", async () => {
    const person: Actor = { platform: "slack", id: "U0FLOOD", name: "flo", groups: [] };
    const replies = await Promise.all(Array.from({ length: 200 }, () => h.run("/deploy traefik", person)));
    const forbidden = replies.filter((r) => renderText(r).includes("needs the operator role"));
    expect(forbidden.length).toBeGreaterThanOrEqual(10);
    expect(forbidden.length).toBeLessThanOrEqual(12);
    expect(replies.filter((r) => SLOW_DOWN.test(r.lines?.[0] ?? "")).length).toBe(200 - forbidden.length);
    const audited = await h.labops.ack.audit.recent({ limit: 1_000 });
    expect(audited.filter((e) => e.actor === "slack:U0FLOOD").length).toBe(forbidden.length);

    const statusReplies = await Promise.all(Array.from({ length: 50 }, () => h.run("/status", other)));
    expect(statusReplies.filter((r) => SLOW_DOWN.test(r.lines?.[0] ?? "")).length).toBeGreaterThanOrEqual(50 - 12);
  });

  it("a redelivery is answered `already received`, not `Slow down`, inside the cooldown and with the budget spent", async () => {
    const asker: Actor = { platform: "slack", id: "U0REDELIVER", name: "rex", groups: [] };
    h.config.permissions.grants.push({ role: "operator", slackUsers: [asker.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
    const send = (requestId: string, line = "deploy traefik"): Promise<Message> =>
      dispatchCommand(h.labops.ack, { root: line.split(" ")[0]!, text: line.split(" ").slice(1).join(" "), actor: asker, channel: h.channel, requestId });
    const id = randomUUID();
    const first = await send(id);
    expect(first.jobId, renderText(first)).toBeDefined();
    // Inside the 5 s cooldown of /deploy: the same delivery again, then a new one.
    const again = await send(id);
    expect(again.jobId).toBe(first.jobId);
    expect(again.lines?.[0]).toBe("This request was already received; no second job was made.");
    expect(renderText(await send(randomUUID()))).toMatch(/Slow down: you can run `\/deploy` again in \d s\./);
    // Two front ends handed the same delivery at the same moment: one job, both answered without "Slow down".
    const twin = randomUUID();
    const [a, b] = await Promise.all([send(twin, "runner status"), send(twin, "runner status")]);
    expect(a.jobId).toBeDefined();
    expect(a.jobId).toBe(b.jobId);
    expect([a, b].some((r) => r.lines?.[0] === "This request was already received; no second job was made.")).toBe(true);
    // Budget spent: new requests are refused, a redelivery still gets its answer.
    const flood = await Promise.all(Array.from({ length: 30 }, () => send(randomUUID(), "runner status")));
    expect(flood.some((r) => SLOW_DOWN.test(r.lines?.[0] ?? ""))).toBe(true);
    const late = await send(id);
    expect(late.jobId).toBe(first.jobId);
    expect(late.lines?.[0]).toBe("This request was already received; no second job was made.");
    // Exactly one job per distinct request that was queued.
    const jobs = await h.labops.queue.queue.getJobs(["waiting"]);
    expect(jobs.filter((j) => j.data.actor.id === asker.id && j.data.requestId === id)).toHaveLength(1);
  });

  it("the bucket refills at the per-minute rate, and says when to try again", async () => {
    const prefix = `${h.config.redis.prefix}-refill`;
    const gate = new Admission(h.labops.redis, prefix, { commandsPerMinute: 60, commandBurst: 2, cooldownMs: 0 });
    const who: Actor = { platform: "discord", id: "42", name: "d", groups: [] };
    expect(await gate.admit(who, randomUUID())).toBe("ok");
    expect(await gate.admit(who, randomUUID())).toBe("ok");
    const refused = await gate.admit(who, randomUUID()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UserError);
    expect((refused as UserError).code).toBe("rate_limited");
    expect((refused as UserError).message).toMatch(/up to 2 commands at once and 60 a minute.*Try again in 1 s\./);
    // 60 a minute is one a second: a second later the bucket holds one again.
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await gate.admit(who, randomUUID())).toBe("ok");
    await h.labops.redis.del(`${prefix}:budget:discord:42`);
  });

  it("button clicks are charged to the clicker", async () => {
    const clicker: Actor = { platform: "slack", id: "U0CLICK", name: "cli", groups: [] };
    const clicks = await Promise.all(Array.from({ length: 40 }, () => dispatchAction(h.labops.ack, { actionId: "no-such-button", actor: clicker, channel: h.channel, requestId: randomUUID() })));
    const limited = clicks.filter((c) => SLOW_DOWN.test(c.reply?.lines?.[0] ?? ""));
    expect(limited.length).toBeGreaterThanOrEqual(40 - 12);
  });
});

describe("cap on queued jobs per person (10)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      startWorker: false,
      lab: { stepMs: 50 },
      tweak: (c) => {
        grants(c);
        c.limits.commandsPerMinute = 10_000;
        c.limits.commandBurst = 10_000;
        c.limits.queuedJobsPerPerson = 10;
      },
    });
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it("queues 10, refuses the rest with a message that says what to do, and counts only this person's jobs", async () => {
    const replies = await Promise.all(Array.from({ length: 15 }, () => h.run("/runner status", operator)));
    const queued = replies.filter((r) => r.jobId);
    expect(queued).toHaveLength(10);
    for (const r of replies.filter((x) => !x.jobId)) {
      expect(r.ephemeral).toBe(true);
      expect(r.lines?.[0]).toBe("You have 10 jobs queued or running; wait for one to finish or `/cancel` one.");
    }
    expect((await h.run("/runner status", other)).jobId).toBeDefined();
    expect(await waitingJobs(h)).toBe(11);
  });

  it("a /cancel of a waiting job frees its place at once", async () => {
    const jobs = await h.labops.queue.queue.getJobs(["waiting"]);
    const mine = jobs.find((j) => j.data.actor.id === operator.id)!;
    const canceled = await h.run(`/cancel ${mine.id}`, operator);
    expect(renderText(canceled)).toContain("It had not started");
    expect((await h.run("/runner status", operator)).jobId).toBeDefined();
    expect((await h.run("/runner status", operator)).lines?.[0]).toMatch(/^You have 10 jobs queued or running/);
  });

  it("finished jobs free their places; a /cancel of a running job gets through at the cap", async () => {
    h.labops.startWorker();
    const until = async (ok: () => Promise<boolean>) => {
      for (let i = 0; i < 800 && !(await ok()); i++) await new Promise((r) => setTimeout(r, 25));
    };
    await until(async () => (await waitingJobs(h)) === 0);
    expect(await waitingJobs(h)).toBe(0);
    const again = await Promise.all(Array.from({ length: 10 }, () => h.run("/runner status", operator)));
    expect(again.filter((r) => r.jobId)).toHaveLength(10);
    await until(async () => (await waitingJobs(h)) === 0);

    // Ten slow deploys: one runs, nine wait for the app's lock; the person is at the cap.
    const deploys = await Promise.all(Array.from({ length: 10 }, () => h.run("/deploy grafana", operator)));
    expect(deploys.filter((r) => r.jobId)).toHaveLength(10);
    expect((await h.run("/runner status", operator)).lines?.[0]).toMatch(/^You have 10 jobs queued or running/);
    let running: string | undefined;
    await until(async () => {
      const active = await h.labops.queue.queue.getJobs(["active"]);
      running = active.find((j) => j.name === "aap.deploy" && (j.data.state as { launch?: unknown })?.launch !== undefined)?.id ?? active.find((j) => j.name === "aap.deploy")?.id;
      return running !== undefined;
    });
    expect(running).toBeDefined();
    const cancel = await h.run(`/cancel ${running}`, operator);
    expect(renderText(cancel)).not.toMatch(/jobs queued or running/);
    expect(cancel.jobId, renderText(cancel)).toBeDefined();
  }, 60_000);
});
