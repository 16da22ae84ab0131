import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { isFinalState, renderText } from "../../src/core/message.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { createLogger } from "../../src/logger.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";

const olga: Actor = { platform: "slack", id: "UOLGA", name: "olga", groups: [] };
const viewer: Actor = { platform: "slack", id: "UVIC", name: "vic", groups: [] };
const grouped: Actor = { platform: "slack", id: "UGREG", name: "greg", groups: ["SOPS"] };
const otto: Actor = { platform: "slack", id: "UOTTO", name: "otto", groups: [] };
const ada: Actor = { platform: "slack", id: "UADA", name: "ada", groups: [] };
const ops: ChannelRef = { platform: "slack", channel: "COPS" };

describe("/schedule: BullMQ job schedulers, the owner's role checked at every run", () => {
  let h: Harness;
  const workers: Labops[] = [];
  const grant = (role: "viewer" | "operator" | "admin", a: Actor) => ({ role, slackUsers: [a.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
  const run = (line: string, actor = olga) => {
    const [head = "", ...rest] = line.replace(/^\//, "").split(" ");
    return dispatchCommand(h.labops.ack, { root: head, text: rest.join(" "), actor, channel: ops, requestId: randomUUID() });
  };
  const last = (m: Recorded) => m.history.at(-1)!;
  const answer = async (jobId: string) => {
    await waitUntil(async () => (await h.labops.queue.queue.getJob(jobId))?.finishedOn, 20_000, `job ${jobId}`);
    const job = await h.labops.queue.queue.getJob(jobId);
    return { job, state: await job!.getState() };
  };
  /** The app.list jobs a schedule made, by due time (from their request ids). */
  const runsOf = async (id: string) => {
    const jobs = await h.labops.queue.queue.getJobs(["completed", "failed", "active", "waiting", "delayed"]);
    return jobs.filter((j) => String(j.data.requestId).startsWith(`schedule:${id}:`)).map((j) => Number(String(j.data.requestId).split(":")[2])).sort();
  };
  const startWorker = async () => {
    const w = createLabops({ config: h.config, log: createLogger({ level: "silent" }), notifiers: new NotifierRegistry().register("slack", h.notifier).register("terminal", h.notifier), probe: h.lab.probe });
    await w.ready();
    w.startWorker();
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    h = await createHarness({
      startWorker: false, // this process is the bot; the workers below run the jobs and the timers
      tweak: (c) => {
        c.schedules.minInterval = 1_500;
        c.gitops.enabled = false;
        c.nautobotSettings.pollInterval = 20;
        c.permissions.grants.push(grant("operator", olga), grant("viewer", viewer), grant("operator", otto), grant("admin", ada),
          { role: "operator", slackUsers: [], slackGroups: ["SOPS"], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
    await startWorker();
    await startWorker();
  }, 60_000);
  afterAll(async () => {
    for (const w of workers) await w.close().catch(() => {});
    await h?.close();
  });

  it("refuses bad input at once: a bad cron or zone, too often, an unknown command, a confirmation, a missing role", async () => {
    expect(renderText(await run('/schedule add "61 * * * *" app list'))).toContain("Constraint error, got value 61");
    expect(renderText(await run('/schedule add "0 3 * * *" --tz Mars/Olympus app list'))).toContain("not a time zone");
    expect(renderText(await run('/schedule add "0 3 * * *" deplyo traefik'))).toContain("Did you mean `/deploy`");
    expect(renderText(await run('/schedule add "0 3 * * *" app remove grafana'))).toContain("asks for a confirmation");
    expect(renderText(await run('/schedule add "0 3 * * *" app list', viewer))).toContain("needs the operator role");
    expect(renderText(await run('/schedule add "0 3 * * *" app list', grouped))).toContain("through a group");
    // Through /labops, with the command's own flags after it: they belong to the command.
    const typed = await run('/labops schedule add "0 3 * * *" --tz Europe/Berlin deploy traefik --check');
    const { job: added } = await answer(typed.jobId!);
    expect(added!.data.args).toEqual({ cron: "0 3 * * *", tz: "Europe/Berlin", command: "deploy traefik --check" });
    const stored = (await workers[0]!.workerDeps.schedules!.store.all()).find((x) => x.text === "deploy traefik --check")!;
    expect(stored).toMatchObject({ command: "deploy", args: { app: "traefik", check: true }, tz: "Europe/Berlin", owner: { id: olga.id, groups: [] } });
    await workers[0]!.workerDeps.schedules!.remove(stored.id);
    // The role of the command's arguments: an elevated deploy is the admin's, scheduled or not.
    const elevated = await run('/schedule add "0 3 * * *" deploy grafana --allow-elevated', olga);
    const refusal = elevated.jobId ? String((await answer(elevated.jobId)).job!.failedReason) : renderText(elevated);
    expect(refusal).toContain("`/deploy` with these arguments needs the admin role");
    const tooOften = await run('/schedule add "* * * * * *" app list');
    const { job } = await answer(tooOften.jobId!);
    expect(job!.failedReason).toContain("schedules may run at most every 2 s");
  });

  it("runs at its times, once per time with two workers, survives a restart of every worker, and stops when its owner loses the role", async () => {
    const ack = await run('/schedule add "*/2 * * * * *" --tz Europe/Berlin app list');
    expect(ack.jobId, renderText(ack)).toBeDefined();
    await answer(ack.jobId!);
    const added = await h.notifier.waitFor((m) => m.ref.channel === ops.channel && /Schedule s[0-9a-f]{6} added/.test(last(m).title) && renderText(last(m)).includes("`*/2 * * * * *` (Europe/Berlin)"));
    const id = /Schedule (s[0-9a-f]{6}) added/.exec(last(added).title)![1]!;
    expect(renderText(last(added))).toContain("runs `*/2 * * * * *` (Europe/Berlin) as olga");

    const listed = await run("/schedule list", viewer); // answered at acknowledgement, privately
    expect(listed.jobId).toBeUndefined();
    expect(listed.title).toMatch(/^Schedules \(/);
    expect(renderText(listed)).toMatch(new RegExp(`\`${id}\` · \`\\*/2 \\* \\* \\* \\* \\*\` Europe/Berlin · \`/app list\` · by olga · in slack:COPS · next \\d{4}-`));

    // Two workers: about one run per 2 s, each due time once.
    await waitUntil(async () => (await runsOf(id)).length >= 3, 30_000, "three runs");
    const t0 = Date.now();
    await new Promise((r) => setTimeout(r, 4_100));
    const runs = await runsOf(id);
    expect(new Set(runs).size).toBe(runs.length);
    for (let i = 1; i < runs.length; i++) expect(runs[i]! - runs[i - 1]!).toBeGreaterThanOrEqual(2_000);
    expect(runs.filter((t) => t >= t0).length).toBeLessThanOrEqual(3);
    // Each run posts in the schedule's channel as its owner, and /history marks it scheduled.
    const posted = [...h.notifier.messages.values()].filter((m) => m.ref.channel === ops.channel && (m.history[0]?.lines ?? []).some((l) => l.includes(`started by olga (schedule ${id})`)));
    expect(posted.length).toBeGreaterThanOrEqual(2);
    const entries = await h.labops.ack.audit.recent({ limit: 100 });
    expect(entries.filter((e) => e.event === "command" && e.command === "app list" && e.detail?.startsWith(`scheduled ${id} (*/2 * * * * * Europe/Berlin)`)).length).toBe(runs.length);

    // Every worker stops; the schedule lives in Redis, and a new worker carries on.
    for (const w of workers.splice(0)) await w.close();
    const down = (await runsOf(id)).length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await runsOf(id)).length).toBe(down);
    await startWorker();
    await waitUntil(async () => (await runsOf(id)).length >= down + 2, 30_000, "runs after the restart");

    // The owner loses the role: the next firing stops the schedule and says so in its channel.
    h.config.permissions.grants.splice(h.config.permissions.grants.findIndex((g) => g.slackUsers.includes(olga.id)), 1);
    const stopped = await h.notifier.waitFor((m) => last(m).title === `Schedule ${id} stopped`, 20_000);
    expect(stopped.ref.channel).toBe(ops.channel);
    expect(renderText(last(stopped))).toContain("olga no longer has the viewer role that `/app list` needs here");
    const after = (await runsOf(id)).length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await runsOf(id)).length).toBe(after);
    expect(await workers[0]!.workerDeps.schedules!.store.get(id)).toBeUndefined();
    h.config.permissions.grants.push(grant("operator", olga));
  }, 120_000);

  it("/schedule remove stops a schedule", async () => {
    const ack = await run('/schedule add "*/2 * * * * *" app list');
    await answer(ack.jobId!);
    const added = await h.notifier.waitFor((m) => /Schedule s[0-9a-f]{6} added/.test(last(m).title) && renderText(last(m)).includes("`*/2 * * * * *` (UTC)"));
    const id = /Schedule (s[0-9a-f]{6}) added/.exec(last(added).title)![1]!;
    await waitUntil(async () => (await runsOf(id)).length >= 1, 20_000, "a first run");
    const rm = await run(`/schedule remove ${id}`);
    await answer(rm.jobId!);
    const n = (await runsOf(id)).length;
    await new Promise((r) => setTimeout(r, 3_000));
    expect((await runsOf(id)).length).toBeLessThanOrEqual(n + 1); // a firing already taken when it was removed may still finish
    expect(await workers[0]!.workerDeps.schedules!.list()).toEqual([]);
  }, 60_000);

  it("/schedule remove: only the schedule's owner or an admin; another operator is refused and the schedule stays", async () => {
    const svc = workers[0]!.workerDeps.schedules!;
    const addAs = async (who: Actor) => {
      const ack = await run('/schedule add "0 3 * * *" app list', who);
      expect(ack.jobId, renderText(ack)).toBeDefined();
      await answer(ack.jobId!);
      return (await svc.store.all()).find((s) => s.owner.id === who.id)!.id;
    };
    const olgas = await addAs(olga);
    const adas = await addAs(ada);

    // otto (operator) may remove neither olga's nor the admin's schedule.
    for (const id of [olgas, adas]) {
      const rm = await run(`/schedule remove ${id}`, otto);
      expect(rm.jobId, renderText(rm)).toBeDefined();
      const { job, state } = await answer(rm.jobId!);
      expect(state).toBe("failed");
      expect(String(job!.failedReason)).toContain("only its owner or an admin may remove it");
      expect(await svc.store.get(id)).toBeDefined();
    }
    expect(renderText(await run(`/schedule remove ${olgas}`, viewer))).toContain("needs the operator role");
    await waitUntil(async () => (await h.labops.ack.audit.recent({ limit: 50 })).some((e) => e.event === "refused" && e.actor === "slack:UOTTO" && String(e.detail).includes(adas)), 10_000, "the refusal audited");

    // The owner removes their own; an admin removes anyone's.
    const own = await run(`/schedule remove ${olgas}`, olga);
    expect((await answer(own.jobId!)).state).toBe("completed");
    expect(await svc.store.get(olgas)).toBeUndefined();
    const again = await addAs(olga);
    const byAdmin = await run(`/schedule remove ${again}`, ada);
    expect((await answer(byAdmin.jobId!)).state).toBe("completed");
    expect(await svc.store.get(again)).toBeUndefined();
    const adminOwn = await run(`/schedule remove ${adas}`, ada);
    expect((await answer(adminOwn.jobId!)).state).toBe("completed");
    expect(await svc.list()).toEqual([]);
  }, 90_000);
});
