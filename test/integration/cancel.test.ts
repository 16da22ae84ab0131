import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const VIEWER: Actor = { platform: "slack", id: "U0VIEWER", name: "vera", groups: [] };
const OPERATOR: Actor = { platform: "slack", id: "U0OPER", name: "otto", groups: [] };

/**
 * Finding: /cancel of a job waiting out a retry (or handed back at shutdown) answered "it had not started" while
 * its AAP job ran on, and its message stayed "running". Now the AAP job is cancelled, the BullMQ job removed,
 * the target freed once AAP reports the job finished, and the job's own message ends "cancelled by …".
 */
describe("/cancel of a job in each state: running, in retry backoff, handed back at shutdown", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      lab: { stepMs: 250 }, // Master Deploy runs several seconds: still running in AAP during the backoff
      tweak: (c) => {
        c.limits.retryBackoff = 20_000; // long enough to /cancel during it under any load
        c.permissions.grants.push({ role: "viewer", slackUsers: [VIEWER.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
        c.permissions.grants.push({ role: "operator", slackUsers: [OPERATOR.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const aapJobOf = (app: string) => h.lab.aap.launches().filter((l) => l.templateName === "Master Deploy" && l.extraVars.app === app).at(-1)!.jobId;
  const leftInQueue = async () => {
    const c = await h.labops.queue.queue.getJobCounts("active", "waiting", "delayed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  };

  it("during retry backoff: cancels the AAP job, removes the BullMQ job, frees the app and ends the message \"cancelled by\"", async () => {
    // The first attempt fails after its launch: the shared status poll answers 500 (3 times: the client retries a GET twice).
    h.lab.aap.http.inject({ method: "GET", path: /\/jobs\/$/, status: 500, body: { detail: "A server error occurred." }, times: 3, match: (r) => r.query.has("id__in") });
    const a = await h.run("/deploy traefik", OPERATOR);
    const rec = await h.notifier.waitFor((m) => m.history.some((x) => (x.lines ?? []).some((l) => l.startsWith("Attempt 1 of 3 failed; retrying"))), 20_000);
    expect(renderText(rec.history[0]!)).toContain(a.jobId!);
    const aapJob = aapJobOf("traefik");
    expect(["pending", "waiting", "running"]).toContain(h.lab.aap.job(aapJob)!.status);
    const job = await h.labops.queue.queue.getJob(a.jobId!);
    expect(await job!.getState()).toBe("delayed");

    const viewer = await h.run(`/cancel ${a.jobId}`, VIEWER);
    expect(renderText(viewer)).toContain("needs the operator role");

    const c = await h.run(`/cancel ${a.jobId}`, OPERATOR);
    expect(c.state).toBe("canceled");
    expect(renderText(c)).toContain(`It was waiting to retry after a failed attempt; it was removed from the queue and its AAP job ${aapJob} is being cancelled`);
    expect(await h.labops.queue.queue.getJob(a.jobId!)).toBeUndefined(); // removed on the ack path: no worker can pick it up again

    const final = await h.notifier.final(a.jobId!, 30_000);
    expect(h.notifier.forJob(a.jobId!)).toBe(rec); // the job's own message, edited
    expect(final.state).toBe("canceled");
    expect(final.title).toBe("/deploy: cancelled by otto");
    expect(renderText(final)).toContain(`Job \`${a.jobId}\` was cancelled by otto while waiting to retry (after 1 failed attempt); it will not run again.`);
    expect(renderText(final)).toContain(`AAP job ${aapJob}: cancel requested; AAP reports it canceled.`);
    expect(h.lab.aap.job(aapJob)!.status).toBe("canceled");
    await waitUntil(async () => (await leftInQueue()) === 0, 20_000);
    expect(await h.labops.ack.locks.list()).toEqual([]);
    expect(await h.labops.redis.exists(`${h.config.redis.prefix}:lockr:app:traefik`)).toBe(0); // no guard left either

    // The app is free: the next deploy runs at once, and nothing reran the cancelled one.
    const next = await h.run("/deploy traefik --check", OPERATOR);
    expect((await h.notifier.final(next.jobId!, 30_000)).state).toBe("success");
    expect(h.lab.aap.launches().filter((l) => l.extraVars.app === "traefik")).toHaveLength(2);
    expect(h.lab.aap.maxConcurrent("Master Deploy", "traefik")).toBe(1);
  });

  it("after a shutdown hand-back: cancels the AAP job the job had launched and ends its message; the restarted worker does not resume it", async () => {
    const a = await h.run("/deploy grafana", OPERATOR);
    await waitUntil(() => h.lab.aap.launches().some((l) => l.extraVars.app === "grafana"), 20_000);
    const aapJob = aapJobOf("grafana");
    await h.notifier.waitFor((m) => m.history[0]!.lines?.some((l) => l.includes(a.jobId!)) === true && m.history.some((x) => x.state === "running" && x.link !== undefined), 20_000);
    await h.labops.worker!.close(); // SIGTERM: the job is handed back with its AAP id
    const job = await h.labops.queue.queue.getJob(a.jobId!);
    expect((job!.data as { state: { handedBack?: boolean; deploy?: { jobId?: number } } }).state).toMatchObject({ handedBack: true, deploy: { jobId: aapJob } });
    expect(["pending", "waiting", "running"]).toContain(h.lab.aap.job(aapJob)!.status);

    // While no worker runs: an admin's cleanup waits in the queue; an operator may not stop it, an admin may.
    const cleanup = await h.run("/cleanup-ocp");
    const refused = await h.run(`/cancel ${cleanup.jobId}`, OPERATOR);
    expect(renderText(refused)).toContain("needs the admin role");
    expect(await h.labops.queue.queue.getJob(cleanup.jobId!)).toBeDefined();
    const removed = await h.run(`/cancel ${cleanup.jobId}`);
    expect(renderText(removed)).toContain("It had not started; it was removed from the queue.");

    const c = await h.run(`/cancel ${a.jobId}`, OPERATOR);
    expect(renderText(c)).toContain(`It was handed back at a worker shutdown; it was removed from the queue and its AAP job ${aapJob} is being cancelled`);
    h.labops.startWorker(); // the next worker runs the cancel, never the removed deploy
    const final = await h.notifier.final(a.jobId!, 30_000);
    expect(final.state).toBe("canceled");
    expect(renderText(final)).toContain(`was cancelled by otto while handed back at a worker shutdown`);
    expect(h.lab.aap.job(aapJob)!.status).toBe("canceled");
    await waitUntil(async () => (await leftInQueue()) === 0, 20_000);
    expect(h.notifier.forJob(a.jobId!)!.history.some((m) => renderText(m).includes("Resuming"))).toBe(false);
    expect(h.lab.aap.launches().filter((l) => l.extraVars.app === "grafana")).toHaveLength(1);
    expect(await h.labops.ack.locks.list()).toEqual([]);
  });

  it("of a running deploy: the AAP job is cancelled and the job's own final message names who cancelled it", async () => {
    const a = await h.run("/deploy uptime-kuma", OPERATOR);
    await waitUntil(() => h.lab.aap.launches().some((l) => l.extraVars.app === "uptime-kuma"), 20_000);
    const aapJob = aapJobOf("uptime-kuma");
    await waitUntil(async () => (await (await h.labops.queue.queue.getJob(a.jobId!))?.getState()) === "active" &&
      ((await h.labops.queue.queue.getJob(a.jobId!))?.data as { state?: { deploy?: { jobId?: number } } }).state?.deploy?.jobId === aapJob, 20_000);
    const c = await h.run(`/cancel ${a.jobId}`, OPERATOR);
    expect(c.state).toBe("queued"); // a cancel job: it asks AAP
    const final = await h.notifier.final(a.jobId!, 30_000);
    expect(final.state).toBe("canceled");
    expect(renderText(final)).toContain("Cancelled by otto (/cancel).");
    expect(h.lab.aap.job(aapJob)!.status).toBe("canceled");
    await waitUntil(async () => (await leftInQueue()) === 0, 20_000);
    expect(await h.labops.ack.locks.list()).toEqual([]);
  });
});
