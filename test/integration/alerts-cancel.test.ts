import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const TOKEN = "alert-webhook-secret-cancel-4c3b2a1";
const ALERTS: ChannelRef = { platform: "slack", channel: "C0ALERTS" };

/**
 * Through the alert intake (AAP's webhook and the reconciliation poller): an AAP job labops' own /cancel
 * stopped ends "canceled" and raises no alert; a cancel made in AAP itself still does. Failures of one
 * template for another app get their own card instead of joining the first one.
 */
describe("alerts: labops' own cancel, and one card per template and app", () => {
  let h: Harness;
  let server: HttpServer;
  let alerting: Alerting;

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    const base = await server.listen(0, "127.0.0.1");
    h = await createHarness({ lab: { stepMs: 50, aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } } });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, commands: h.labops.ack.commands, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000, webhookToken: TOKEN,
      eventWaitMs: 500, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  const alerts = () => [...h.notifier.messages.values()].filter((m) => m.ref.channel === ALERTS.channel);
  const mentioning = (id: number) => alerts().filter((m) => m.history.some((x) => renderText(x).includes(`${id}`)));
  const logged = (msg: string, id: number) => h.logs.lines.filter((l) => l.includes(`"msg":"${msg}"`) && l.includes(`"aapJob":${id}`)).length;

  it("raises nothing for a deploy labops' /cancel stopped, from the webhook or the poller", async () => {
    const a = await h.run("/deploy traefik");
    const aapJob = await waitUntil(() => h.lab.aap.launches().find((l) => l.extraVars.app === "traefik")?.jobId, 20_000);
    await waitUntil(async () => ((await h.labops.queue.queue.getJob(a.jobId!))?.data as { state?: { deploy?: { jobId?: number } } }).state?.deploy?.jobId === aapJob, 20_000);
    const c = await h.run(`/cancel ${a.jobId}`);
    expect(c.jobId).toBeDefined();
    expect((await h.notifier.final(a.jobId!, 30_000)).state).toBe("canceled");
    expect(h.lab.aap.job(aapJob)!.status).toBe("canceled");
    await waitUntil(() => logged("aap job canceled through labops; no alert", aapJob) >= 1, 10_000, "the webhook's notification");
    await alerting.pollOnce();
    await alerting.settled();
    expect(logged("aap job canceled through labops; no alert", aapJob)).toBe(2); // webhook, then poller
    expect(mentioning(aapJob)).toHaveLength(0);
    expect(logged("aap failure alert prepared", aapJob)).toBe(0);
  });

  it("still alerts on a job canceled in AAP itself", async () => {
    const aap = h.labops.clients.aap!;
    const tpl = await aap.findJobTemplate("Master Deploy");
    const { jobId } = await aap.launch(tpl.id, { extra_vars: { app: "grafana" }, limit: "docker01" });
    await waitUntil(() => h.lab.aap.job(jobId)!.status === "running", 10_000);
    await aap.cancelJob(jobId);
    await waitUntil(() => mentioning(jobId).length === 1, 15_000, "the alert");
    expect(mentioning(jobId)[0]!.history[0]!.title).toBe(`AAP job ${jobId} was canceled: Master Deploy`);
  });

  it("keeps failures of one template for different apps on separate cards, and groups the same app", async () => {
    const before = alerts().length;
    const deployFails = async (app: string) => {
      h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503" });
      const n = h.lab.aap.launches().length;
      await h.run(`/deploy ${app}`);
      const id = await waitUntil(() => h.lab.aap.launches()[n]?.jobId, 20_000);
      await waitUntil(() => h.logs.lines.some((l) => /"msg":"alert (posted|grouped)"/.test(l) && l.includes(`"aap:${id}"`)), 20_000, `the alert of ${id}`);
      return id;
    };
    const j1 = await deployFails("jellyfin");
    const n1 = await deployFails("vaultwarden");
    const j2 = await deployFails("jellyfin");
    expect(alerts().length).toBe(before + 2);
    const jellyfin = mentioning(j1).find((m) => m.history.at(-1)!.title.includes("failures"))!;
    expect(jellyfin.history.at(-1)!.title).toBe(`2 failures of Master Deploy (jellyfin) in the last 10 min: jobs ${j1}, ${j2}`);
    expect(renderText(jellyfin.history.at(-1)!)).not.toContain(`${n1}`);
    const other = mentioning(n1);
    expect(other).toHaveLength(1);
    expect(other[0]!.history).toHaveLength(1);
    expect(other[0]!.history[0]!.title).toBe(`AAP job ${n1} failed: Master Deploy`);
  });

  it("gives worker failures of one command one card per app or host", async () => {
    const CH: ChannelRef = { platform: "terminal", channel: "alerts-worker" };
    const w = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: `${h.config.redis.prefix}:w`, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, channels: [CH], pollIntervalMs: 60_000, retryDelaysMs: [20],
    });
    const payload = (app: string) => ({ command: "deploy", args: { app }, actor: h.admin, channel: h.channel, requestId: `r-${app}`, requires: "operator", enqueuedAt: Date.now() });
    const fail = (jobId: string, app: string) => w.onJobFailed({ jobId, command: "deploy", ref: `ref-${jobId}`, error: new Error("boom"), payload: payload(app) });
    fail("w1", "traefik");
    await w.settled();
    fail("w2", "grafana");
    await w.settled();
    fail("w3", "traefik");
    await w.settled();
    const cards = [...h.notifier.messages.values()].filter((m) => m.ref.channel === CH.channel);
    expect(cards.map((m) => m.history.at(-1)!.title)).toEqual(["2 failures of /deploy (traefik) in the last 10 min: jobs w1, w3", "labops job w2 failed: /deploy"]);
    await w.stop();
  });
});
