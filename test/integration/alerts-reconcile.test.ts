import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { micros } from "../../src/alerts/aap-poller.ts";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const TOKEN = "alert-webhook-secret-0a9b8c7d";
const ALERTS: ChannelRef = { platform: "terminal", channel: "alerts" };
const POLL_MS = 300;

describe("AAP reconciliation poller and worker failures: one alert per failure, none lost", () => {
  let h: Harness;
  let server: HttpServer;
  let base: string;
  let alerting: Alerting;
  const dropped = new Set<number>();

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    base = await server.listen(0, "127.0.0.1");
    h = await createHarness({
      lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` }, dropWebhooks: (id) => dropped.has(id) } },
      onJobFailed: (info) => alerting.onJobFailed(info),
    });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: POLL_MS, webhookToken: TOKEN,
      groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20], overlapMs: 1_000,
    });
    alerting.addRoutes(server);
    await alerting.pollOnce(); // sets the watermark to "now minus one interval"
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  const aap = () => h.labops.clients.aap!;
  const alertsFor = (id: number) => [...h.notifier.messages.values()].filter((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${id} `));
  const watermark = () => h.labops.redis.get(`${h.config.redis.prefix}:alert:aap-watermark`);

  /** Launches a Master Deploy job that fails on docker02 and waits until AAP has finished with it. */
  async function failedJob(o: { drop?: boolean } = {}): Promise<number> {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503 and not [200]" });
    const { jobId } = await aap().launch(7, { extra_vars: { app: "vaultwarden" }, limit: "docker02" });
    if (o.drop) dropped.add(jobId);
    await waitUntil(() => h.lab.aap.job(jobId)?.eventProcessingFinished);
    return jobId;
  }

  it("two processes' pollers make one AAP failures query per interval between them, and still alert a dropped webhook once", async () => {
    // A second process: its own alerting (own poller) on the same Redis and prefix.
    const other = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: POLL_MS, webhookToken: TOKEN,
      groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20], overlapMs: 1_000,
    });
    const polls = () => h.lab.aap.http.requests.filter((r) => r.method === "GET" && /\/jobs\/$/.test(r.path) && r.query.has("finished__gt")).length;
    await new Promise((r) => setTimeout(r, POLL_MS)); // the slot taken by beforeAll's poll has expired
    const before = polls();
    const t0 = Date.now();
    alerting.start();
    other.start();
    try {
      const id = await failedJob({ drop: true });
      await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${id} `), 3_000);
      await new Promise((r) => setTimeout(r, 3 * POLL_MS));
      const intervals = (Date.now() - t0) / POLL_MS;
      const made = polls() - before;
      // Two independent pollers would make about 2 per interval; one slot per interval makes about 1.
      expect(made).toBeGreaterThan(0);
      expect(made).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
      expect(alertsFor(id)).toHaveLength(1);
    } finally {
      await Promise.all([alerting.stop(), other.stop()]);
    }
  });

  it("catches a failure whose webhook was dropped within one poll interval", async () => {
    alerting.start();
    try {
      const id = await failedJob({ drop: true });
      const t0 = Date.now();
      const alert = await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${id} `), 3_000);
      expect(Date.now() - t0).toBeLessThan(POLL_MS + 1_000);
      expect(renderText(alert.history[0]!)).toContain("failed: docker_app : Wait for healthcheck on docker02");
      await new Promise((r) => setTimeout(r, 2 * POLL_MS)); // more polls see it again: still one alert
      expect(alertsFor(id)).toHaveLength(1);
    } finally {
      await alerting.stop();
    }
  });

  it("makes one alert when both the webhook and the poller report the same job, in either order or at once", async () => {
    const viaWebhook = await failedJob();
    await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${viaWebhook} `), 3_000);
    await alerting.pollOnce();

    const viaPoll = await failedJob({ drop: true });
    await alerting.pollOnce();
    expect(alertsFor(viaPoll)).toHaveLength(1);
    const replay = { id: viaPoll, name: "Master Deploy", status: "failed", url: "", created_by: "admin", limit: "", extra_vars: "{}", hosts: {} };
    const res = await fetch(`${base}/hooks/aap`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(replay) });
    expect(res.status).toBe(202);

    const racing = await failedJob({ drop: true });
    const send = () => fetch(`${base}/hooks/aap`, { method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...replay, id: racing }) });
    await Promise.all([send(), alerting.pollOnce(), send(), alerting.pollOnce()]);
    await alerting.settled();
    await alerting.pollOnce();

    expect(alertsFor(viaWebhook)).toHaveLength(1);
    expect(alertsFor(viaPoll)).toHaveLength(1);
    expect(alertsFor(racing)).toHaveLength(1);
    for (const id of [viaWebhook, viaPoll, racing]) expect(alertsFor(id)[0]!.history).toHaveLength(1); // never re-edited either
  });

  it("keeps the watermark while AAP is unreachable and alerts the missed failure on the next poll", async () => {
    await alerting.pollOnce();
    const before = await watermark();
    const id = await failedJob({ drop: true });
    h.lab.aap.http.inject({ method: "GET", path: `${h.config.aap!.apiPath}jobs/`, status: 503, times: 3 }); // the client's GET retries included
    await alerting.pollOnce();
    expect(await watermark()).toBe(before);
    expect(alertsFor(id)).toHaveLength(0);
    expect(h.logs.lines.some((l) => l.includes("aap poll failed; watermark kept"))).toBe(true);

    await alerting.pollOnce();
    expect(alertsFor(id)).toHaveLength(1);
    const after = await watermark();
    expect(micros(after!)).toBeGreaterThan(micros(before!));
    const finished = (await aap().getJob(id)).finished!;
    expect(after!.slice(0, 23)).toBe(finished.slice(0, 23)); // the fake draws new microseconds on every read

  });

  it("alerts a labops job that failed for good, with the reference id of the worker's log line", async () => {
    h.lab.aap.http.inject({ method: "POST", path: `${h.config.aap!.apiPath}job_templates/7/launch/`, status: 400, body: { extra_vars: ["Variables app are not allowed on launch."] }, times: 1 });
    const ack = await h.run("/deploy traefik");
    const progress = await h.notifier.final(ack.jobId!);
    expect(progress.state).toBe("failure");
    const alert = await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title === `labops job ${ack.jobId} failed: /deploy`, 5_000);
    const msg = alert.history[0]!;
    const ref = msg.fields?.find((f) => f.label === "Reference")?.value;
    expect(ref).toMatch(/^[0-9a-f]{8}$/);
    const line = h.logs.lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === "job failed" && l.jobId === ack.jobId && l.permanent === true);
    expect(line?.ref).toBe(ref);
    expect(renderText(progress)).toContain(`Reference: ${ref}`);
    expect(renderText(msg)).toContain(`ref=${ref}`);
    expect(msg.fields).toContainEqual({ label: "Started by", value: "tester" });
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Mute 1h"]);
  });
});
