import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { upstreamJson } from "../helpers/upstream.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const TOKEN = "alert-webhook-secret-7c1d9e4b";
const ALERTS: ChannelRef = { platform: "terminal", channel: "alerts" };
const FIXTURE = upstreamJson<Record<string, unknown>>("awx/notification-webhook.failed.example.json");

describe("AAP failure webhook: POST /hooks/aap (real HTTP, fake AAP sending its own notifications)", () => {
  let h: Harness;
  let server: HttpServer;
  let base: string;
  let alerting: Alerting;

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    base = await server.listen(0, "127.0.0.1");
    h = await createHarness({ lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } } });
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

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${base}/hooks/aap`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const basic = (user: string, pass: string) => ({ authorization: `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}` });
  const alertsFor = (id: number) => [...h.notifier.messages.values()].filter((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${id} `));
  const alertCount = () => [...h.notifier.messages.values()].filter((m) => m.ref.channel === "alerts").length;

  it("alerts on AAP's documented failure body (flat job_metadata, extra_vars string, +00:00) sent with a Bearer secret", async () => {
    const res = await post(FIXTURE, bearer);
    expect(res.status).toBe(202);
    expect(await res.json()).toEqual({ accepted: true, job: 46 });
    await alerting.settled();
    const [alert] = alertsFor(46);
    expect(alert).toBeDefined();
    const msg = alert!.history[0]!;
    expect(msg.state).toBe("failure");
    expect(msg.title).toBe("AAP job 46 failed: AWX-Collection-tests-awx_job_wait-long_running-XVFBGRSAvUUIrYKn");
    expect(msg.fields).toContainEqual({ label: "Launched by", value: "bianca" });
    expect(renderText(msg)).toContain("failed hosts: localhost");
    // Job 46 is not in labops' AAP: the alert says so, links the sender's page, and offers no AAP buttons.
    expect(renderText(msg)).toContain("AAP has no job 46 (404)");
    expect(msg.link?.url).toBe("https://host/#/jobs/playbook/46");
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Mute 1h"]);
  });

  it("accepts HTTP Basic with the secret as password (any user name)", async () => {
    const res = await post({ ...FIXTURE, id: 47 }, basic("awx", TOKEN));
    expect(res.status).toBe(202);
    await alerting.settled();
    expect(alertsFor(47)).toHaveLength(1);
  });

  it("refuses a missing or wrong secret with 401 and posts nothing", async () => {
    const before = alertCount();
    const attempts = [{}, { authorization: "Bearer wrong-secret" }, { authorization: `Bearer ${TOKEN}x` }, basic("awx", "nope"), basic(TOKEN, ""), { authorization: TOKEN }];
    for (const [i, headers] of attempts.entries()) {
      const res = await post({ ...FIXTURE, id: 60 + i }, headers);
      expect(res.status).toBe(401);
    }
    await alerting.settled();
    expect(alertCount()).toBe(before);
    const logged = h.logs.lines.filter((l) => l.includes("alert webhook refused"));
    expect(logged.length).toBeGreaterThanOrEqual(attempts.length);
    expect(logged.join("\n")).not.toContain(TOKEN);
  });

  it("answers a malformed body with 400 and the reason, an oversize one with 413", async () => {
    const notJson = await post("{not json", bearer);
    expect(notJson.status).toBe(400);
    expect(await notJson.json()).toEqual({ error: "body is not JSON" });
    const empty = await post({}, bearer); // what AWX sends for a custom body that is not JSON
    expect(empty.status).toBe(400);
    expect(JSON.stringify(await empty.json())).toContain("id:");
    const objectVars = await post({ ...FIXTURE, id: 70, extra_vars: { sleep_interval: 300 } }, bearer);
    expect(objectVars.status).toBe(400);
    expect(JSON.stringify(await objectVars.json())).toContain("extra_vars");
    const big = await post({ ...FIXTURE, id: 71, traceback: "x".repeat(70 * 1024) }, bearer);
    expect(big.status).toBe(413);
    await alerting.settled();
    expect(alertsFor(70)).toHaveLength(0);
    expect(alertsFor(71)).toHaveLength(0);
  });

  it("accepts but ignores notifications of running and successful jobs", async () => {
    const started = upstreamJson<Record<string, unknown>>("awx/notification-webhook.started.example.json");
    const running = await post(started, bearer);
    expect(running.status).toBe(202);
    expect(await running.json()).toMatchObject({ accepted: false });
    const ok = await post({ ...FIXTURE, id: 72, status: "successful" }, bearer);
    expect(ok.status).toBe(202);
    await alerting.settled();
    expect(alertsFor(38)).toHaveLength(0);
    expect(alertsFor(72)).toHaveLength(0);
  });

  it("alerts from the fake AAP's own webhook within 2 s, with the failed task and host, the output tail, the link and the buttons", async () => {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503 and not [200]: HTTP Error 503: Service Unavailable" });
    const aap = h.labops.clients.aap!;
    const before = h.lab.aap.launches().length;
    expect((await h.run("/deploy jellyfin")).state).toBe("queued"); // launched by labops: a relaunch is offered
    await waitUntil(() => h.lab.aap.launches().length > before);
    const jobId = h.lab.aap.launches()[before]!.jobId;
    await waitUntil(() => h.lab.aap.job(jobId)?.eventProcessingFinished);
    const t0 = Date.now();
    const alert = await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${jobId} `), 5_000);
    expect(Date.now() - t0).toBeLessThan(2_000);
    const msg = alert.history[0]!;
    const text = renderText(msg);
    expect(msg.title).toBe(`AAP job ${jobId} failed: Master Deploy`);
    expect(msg.fields).toEqual(expect.arrayContaining([
      { label: "Template", value: "Master Deploy" }, { label: "Job", value: String(jobId) }, { label: "Status", value: "failed" }, { label: "Launched by", value: "admin" },
    ]));
    expect(text).toContain("failed: docker_app : Wait for healthcheck on docker02: Status code was 503");
    expect(text).toContain("failed hosts: docker02");
    expect(text).toContain("PLAY RECAP");
    expect(text).toContain("Relaunch failed hosts* runs it again on docker02 only");
    expect(msg.link?.url).toBe(aap.jobUrl(jobId));
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Show log", "Relaunch failed hosts", "Mute 1h"]);
    expect(msg.buttons?.every((b) => b.id.startsWith("act:"))).toBe(true);
  });

  it("refuses everything, and logs why once, when no secret is configured", async () => {
    const bare = new HttpServer(createLogger({ level: "silent" }));
    const url = await bare.listen(0, "127.0.0.1");
    const open = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: `${h.config.redis.prefix}:notoken`, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000,
    });
    open.addRoutes(bare);
    try {
      const before = alertCount();
      for (const headers of [{}, bearer, basic("x", TOKEN)]) {
        const res = await fetch(`${url}/hooks/aap`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ ...FIXTURE, id: 80 }) });
        expect(res.status).toBe(401);
      }
      await open.settled();
      expect(alertCount()).toBe(before);
      expect(h.logs.lines.filter((l) => l.includes("ALERT_WEBHOOK_TOKEN is not set"))).toHaveLength(1);
    } finally {
      await bare.close();
    }
  });
});
