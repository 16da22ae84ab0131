import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const TOKEN = "alert-webhook-secret-3e2f1a0b";
const ALERTS: ChannelRef = { platform: "slack", channel: "C0ALERTS" };
const VIEWER: Actor = { platform: "slack", id: "U0VIEWER", name: "vera", groups: [] };
const OPERATOR: Actor = { platform: "slack", id: "U0OPER", name: "otto", groups: [] };

describe("alert buttons end to end: Show log, Relaunch failed hosts (exactly once), Mute 1h", () => {
  let h: Harness;
  let server: HttpServer;
  let alerting: Alerting;

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    const base = await server.listen(0, "127.0.0.1");
    h = await createHarness({
      lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } },
      onJobFailed: (info) => alerting.onJobFailed(info),
      tweak: (c) => {
        c.permissions.grants.push({ role: "viewer", slackUsers: [VIEWER.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
        c.permissions.grants.push({ role: "operator", slackUsers: [OPERATOR.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, commands: h.labops.ack.commands, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000, webhookToken: TOKEN,
      groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  const aap = () => h.labops.clients.aap!;
  const relaunchPosts = (id: number) => h.lab.aap.http.count("POST", new RegExp(`^${h.config.aap!.apiPath}jobs/${id}/relaunch/$`));
  const click = (alert: Message, label: string, actor: Actor = OPERATOR) =>
    dispatchAction(h.labops.ack, { actionId: alert.buttons!.find((b) => b.label === label)!.id, actor, channel: ALERTS, requestId: randomUUID() });

  /** The alert (from the fake AAP's webhook) of AAP job `id`. */
  const alertOf = async (id: number): Promise<Message> =>
    (await h.notifier.waitFor((m) => m.ref.channel === ALERTS.channel && m.history[0]!.title.startsWith(`AAP job ${id} `), 10_000)).history.at(-1)!;

  /** A /deploy jellyfin (by an operator) whose Master Deploy job fails on docker02, and its alert. */
  async function failedAlert(): Promise<{ id: number; alert: Message; labopsJob: string }> {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503 and not [200]" });
    const before = h.lab.aap.launches().length;
    const ack = await h.run("/deploy jellyfin", OPERATOR);
    expect(ack.state).toBe("queued");
    await waitUntil(() => h.lab.aap.launches().length > before, 10_000);
    const id = h.lab.aap.launches()[before]!.jobId;
    return { id, alert: await alertOf(id), labopsJob: ack.jobId! };
  }

  /** The message the worker posted for a queued job, once it is final. */
  const jobMessage = (jobId: string): Promise<Recorded> =>
    h.notifier.waitFor((m) => m.history.some((x) => (x.lines ?? []).some((l) => l.includes(jobId))) && ["success", "failure", "canceled"].includes(m.history.at(-1)!.state), 15_000);

  it("Show log (viewer) posts the last ~60 lines of output as a new message in the alert channel", async () => {
    const { id, alert } = await failedAlert();
    const res = await click(alert, "Show log", VIEWER);
    expect(res.reply?.state).toBe("queued");
    const rec = await jobMessage(res.reply!.jobId!);
    const msg = rec.history.at(-1)!;
    expect(rec.ref.channel).toBe(ALERTS.channel);
    expect(msg.title).toMatch(new RegExp(`^Output of AAP job ${id} \\(Master Deploy\\): last \\d+ lines$`));
    expect(msg.state).toBe("success");
    expect(msg.lines!.length).toBeGreaterThan(8); // more than the alert's own tail
    expect(msg.lines!.length).toBeLessThanOrEqual(61);
    expect(renderText(msg)).toContain("fatal: [docker02]: FAILED!");
    expect(renderText(msg)).toContain("PLAY RECAP");
    expect(renderText(msg)).toContain("PLAY [Deploy jellyfin]"); // from the start of the output, which the alert's tail does not reach
    expect(renderText(alert)).not.toContain("PLAY [Deploy jellyfin]");
    // the button stays usable
    expect((await click(alert, "Show log", VIEWER)).reply?.state).toBe("queued");
  });

  it("Relaunch failed hosts (operator only) relaunches exactly once with hosts=failed and reports in its own message", async () => {
    const { id, alert } = await failedAlert();
    const refused = await click(alert, "Relaunch failed hosts", VIEWER);
    expect(renderText(refused.reply!)).toContain("needs the operator role");

    const res = await click(alert, "Relaunch failed hosts");
    expect(res.reply?.state).toBe("queued");
    const again = await click(alert, "Relaunch failed hosts"); // a second click, or the same button in another channel
    expect(again.reply?.title).toBe(`AAP job ${id} is already being relaunched`);
    expect(again.reply?.jobId).toBe(res.reply!.jobId);

    const rec = await jobMessage(res.reply!.jobId!);
    const final = rec.history.at(-1)!;
    expect(rec.ref.channel).toBe(ALERTS.channel);
    expect(rec.history.length).toBeGreaterThan(2); // one message, edited with progress
    expect(final.state).toBe("success");
    expect(final.title).toBe(`Relaunch failed hosts of AAP job ${id} (Master Deploy): successful`);
    expect(relaunchPosts(id)).toBe(1);
    const req = h.lab.aap.http.requests.find((r) => r.method === "POST" && r.path === `${h.config.aap!.apiPath}jobs/${id}/relaunch/`);
    expect(req?.body).toEqual({ hosts: "failed" });
    const newId = Number(/New AAP job (\d+)/.exec(renderText(final))?.[1]);
    expect(h.lab.aap.job(newId)).toMatchObject({ launchType: "relaunch", limit: "docker02", status: "successful" });
  });

  it("offers no Relaunch for an AAP job labops did not launch, even one carrying a copied labops_correlation", async () => {
    const { id: ours } = await failedAlert();
    const copied = h.lab.aap.job(ours)!.extraVars.labops_correlation;
    expect(typeof copied).toBe("string");
    for (const extra of [{ app: "jellyfin" }, { app: "jellyfin", labops_correlation: copied }]) {
      h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "down" });
      const { jobId } = await aap().launch(7, { extra_vars: extra, limit: "docker02" }); // launched in AAP, not by labops
      const alert = await alertOf(jobId);
      expect(alert.buttons?.map((b) => b.label)).toEqual(["Show log", "Mute 1h"]);
      expect(renderText(alert)).toContain("failed hosts: docker02");
    }
    // The job labops did launch offers it.
    expect((await alertOf(ours)).buttons?.map((b) => b.label)).toEqual(["Show log", "Relaunch failed hosts", "Mute 1h"]);
  });

  it("refuses a relaunch job queued for an AAP job labops did not launch (checked where it takes effect)", async () => {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "down" });
    const { jobId: foreign } = await aap().launch(7, { extra_vars: { app: "jellyfin" }, limit: "docker02" });
    await alertOf(foreign);
    const { jobId } = await h.labops.queue.enqueue("aap.relaunch", {
      command: "alert relaunch", args: { aapJob: foreign, template: "Master Deploy", command: "deploy" }, actor: OPERATOR, channel: ALERTS,
      requestId: randomUUID(), lockKey: "app:jellyfin", requires: "operator", enqueuedAt: Date.now(),
    });
    const final = (await jobMessage(jobId)).history.at(-1)!;
    expect(final.state).toBe("failure");
    expect(renderText(final)).toContain(`labops did not launch AAP job ${foreign}`);
    expect(relaunchPosts(foreign)).toBe(0);
  });

  it("a relaunch of a deploy holds the app's lock: a /deploy of the same app waits behind it, never beside it", async () => {
    const { id, alert } = await failedAlert();
    let deployAck: Promise<Message> | undefined;
    // The moment the relaunch POST reaches AAP (the relaunch job holds app:jellyfin), someone deploys the app.
    h.lab.aap.http.inject({ method: "POST", path: `${h.config.aap!.apiPath}jobs/${id}/relaunch/`, delayMs: 600, times: 1, onMatch: () => { deployAck = h.run("/deploy jellyfin", OPERATOR); } });
    const live = new Set<number>();
    let maxLive = 0;
    const sampler = setInterval(() => {
      const running = [...Array(60).keys()].map((i) => h.lab.aap.job(id + i)).filter((j) => j && j.templateName === "Master Deploy" && j.extraVars.app === "jellyfin" && ["pending", "waiting", "running"].includes(j.status));
      for (const j of running) live.add(j!.id);
      maxLive = Math.max(maxLive, running.length);
    }, 5);
    try {
      const res = await click(alert, "Relaunch failed hosts");
      const relaunchJob = res.reply!.jobId!;
      await waitUntil(() => deployAck !== undefined, 10_000);
      const deployJob = (await deployAck!).jobId!;
      const relaunched = (await jobMessage(relaunchJob)).history.at(-1)!;
      const deployed = await jobMessage(deployJob);
      expect(relaunched.state).toBe("success");
      expect(deployed.history.at(-1)!.state).toBe("success");
      expect(deployed.history.some((m) => m.state === "waiting" && renderText(m).includes(`waiting for \`app:jellyfin\`: behind job \`${relaunchJob}\``))).toBe(true);
      expect(live.size).toBeGreaterThanOrEqual(2); // both ran...
      expect(maxLive).toBe(1); // ...one after the other
      expect(h.lab.aap.maxConcurrent("Master Deploy", "jellyfin")).toBe(1);
    } finally {
      clearInterval(sampler);
      h.lab.aap.http.clearFaults();
    }
  });

  it("reads the clicker's role at click time: an operator whose grant was withdrawn after the alert cannot relaunch", async () => {
    const { id, alert } = await failedAlert();
    const grants = h.config.permissions.grants;
    const grant = grants.find((g) => g.slackUsers.includes(OPERATOR.id))!;
    grants.splice(grants.indexOf(grant), 1);
    try {
      const refused = await click(alert, "Relaunch failed hosts");
      expect(renderText(refused.reply!)).toContain("needs the operator role");
    } finally {
      grants.push(grant);
    }
    expect(relaunchPosts(id)).toBe(0);
  });

  it("a relaunch job retried after AAP errors re-attaches to the job it made instead of relaunching again", async () => {
    const { id, alert } = await failedAlert();
    // Once the relaunch POST is made, every GET of a single job fails for a while: the first attempt dies after the POST, BullMQ retries it.
    h.lab.aap.http.inject({ method: "POST", path: `${h.config.aap!.apiPath}jobs/${id}/relaunch/`, times: 1,
      onMatch: () => h.lab.aap.http.inject({ method: "GET", path: new RegExp(`^${h.config.aap!.apiPath}jobs/\\d+/$`), status: 503, times: 3 }) });
    const res = await click(alert, "Relaunch failed hosts");
    const rec = await jobMessage(res.reply!.jobId!);
    const final = rec.history.at(-1)!;
    expect(final.state).toBe("success");
    expect(renderText(final)).toContain("re-attached after a retry");
    expect(rec.history.some((m) => renderText(m).includes("Attempt 1 of 3 failed; retrying"))).toBe(true);
    expect(relaunchPosts(id)).toBe(1);
  });

  it("with only an intent saved (a crash right after the POST), it finds the relaunch AAP already has", async () => {
    const { id } = await failedAlert();
    const made = await aap().relaunchJob(id, { hosts: "failed" }); // the POST the crashed attempt made
    const { jobId } = await h.labops.queue.enqueue("aap.relaunch", {
      command: "alert relaunch", args: { aapJob: id, template: "Master Deploy", command: "deploy" }, actor: OPERATOR, channel: ALERTS,
      requestId: randomUUID(), lockKey: "app:jellyfin", requires: "operator", enqueuedAt: Date.now(), state: { relaunch: { intentAt: Date.now() - 1_000 } },
    });
    const final = (await jobMessage(jobId)).history.at(-1)!;
    expect(final.state).toBe("success");
    expect(renderText(final)).toContain(`New AAP job ${made.jobId} on docker02 (re-attached after a retry)`);
    expect(relaunchPosts(id)).toBe(1);
  });

  it("fails closed when only an intent is saved and AAP cannot be asked: no relaunch, an alert with the reference", async () => {
    const { id, labopsJob } = await failedAlert();
    // The deploy that launched the job has finished following it, so the injected 503s meet the relaunch job only.
    await jobMessage(labopsJob);
    h.lab.aap.http.inject({ method: "GET", path: `${h.config.aap!.apiPath}jobs/${id}/`, status: 503, times: 9 }); // 3 attempts × 3 tries
    try {
      const { jobId } = await h.labops.queue.enqueue("aap.relaunch", {
        command: "alert relaunch", args: { aapJob: id }, actor: OPERATOR, channel: ALERTS,
        requestId: randomUUID(), lockKey: "app:jellyfin", requires: "operator", enqueuedAt: Date.now(), state: { relaunch: { intentAt: Date.now() - 1_000 } },
      });
      const final = (await jobMessage(jobId)).history.at(-1)!;
      expect(final.state).toBe("failure");
      expect(renderText(final)).toContain("AAP had an internal error (503)");
      const alert = await h.notifier.waitFor((m) => m.history[0]!.title === `labops job ${jobId} failed: /alert relaunch`, 5_000);
      expect(renderText(final)).toContain(`Reference: ${alert.history[0]!.fields!.find((f) => f.label === "Reference")!.value}`);
      expect(relaunchPosts(id)).toBe(0);
    } finally {
      h.lab.aap.http.clearFaults();
    }
  });

  it("Mute 1h (operator) mutes the template's alerts for an hour in Redis; the next failure is not posted", async () => {
    const { alert } = await failedAlert();
    const res = await click(alert, "Mute 1h");
    const muted = (await jobMessage(res.reply!.jobId!)).history.at(-1)!;
    expect(muted.title).toBe("Alerts for Master Deploy muted for 1 h by otto");
    const ttl = await h.labops.redis.pttl(`${h.config.redis.prefix}:alert:mute:aap:Master Deploy`);
    expect(ttl).toBeGreaterThan(3_590_000);
    expect(ttl).toBeLessThanOrEqual(3_600_000);

    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "still down" });
    const { jobId } = await aap().launch(7, { extra_vars: { app: "jellyfin" }, limit: "docker02" });
    await waitUntil(() => h.logs.lines.some((l) => l.includes("alert muted") && l.includes(`aap:${jobId}`)));
    await alerting.settled();
    expect([...h.notifier.messages.values()].some((m) => m.history[0]!.title.startsWith(`AAP job ${jobId} `))).toBe(false);
  });
});
