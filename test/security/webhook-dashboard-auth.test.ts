import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { mountAdminDashboard } from "../../src/http/admin-dashboard.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const WEBHOOK_TOKEN = "webhook-secret-5e0f9a7c21d4";
const ADMIN_TOKEN = "admin-secret-c93b1d2e8f07";
const ALERTS: ChannelRef = { platform: "terminal", channel: "alerts" };
const FIXTURE = upstreamJson<Record<string, unknown>>("awx/notification-webhook.failed.example.json");
const b64 = (s: string) => Buffer.from(s).toString("base64");

/** Every way of presenting the wrong secret (or none) that a scanner or a misconfigured sender would try. */
const badAuth = (token: string): (string | undefined)[] => [
  undefined, "", "Bearer", "Bearer ", `Bearer ${token}0`, `Bearer ${token.slice(1)}`, `Bearer ${token.toUpperCase()}`, `Token ${token}`, token,
  `Basic ${b64(`admin:${token}x`)}`, `Basic ${b64(`${token}:`)}`, `Basic ${b64(token)}`, `Basic ${b64("admin:admin")}`, "Basic", "Basic %%%",
  `Digest username="admin", response="${token}"`, `Bearer x ${token}`, `bearer\t${token}x`,
];

/** S2 (and the dashboard): without the right secret, 100% refused, nothing posted, nothing queued or changed. */
describe("webhook and dashboard tokens: refused without the secret, nothing posted or queued", () => {
  let h: Harness;
  let server: HttpServer;
  let base: string;
  let alerting: Alerting;
  const alertCount = () => [...h.notifier.messages.values()].filter((m) => m.ref.channel === "alerts").length;
  const jobCounts = () => h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");

  beforeAll(async () => {
    h = await createHarness({ startWorker: false, env: { ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, ADMIN_TOKEN } });
    server = new HttpServer(h.labops.log);
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000, webhookToken: h.config.http.alertWebhookToken,
      groupWindowMs: 0, eventWaitMs: 200, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
    mountAdminDashboard(server, { queues: [h.labops.queue.queue], token: h.config.http.adminToken, log: h.labops.log });
    base = await server.listen(0, "127.0.0.1");
    // Something for a forged dashboard write to act on.
    await h.run("/runner status");
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  it("POST /hooks/aap: every missing, wrong or wrong-Basic secret → 401 (×10 each), 0 alerts", async () => {
    let n = 0;
    for (let round = 0; round < 10; round++) {
      for (const auth of badAuth(WEBHOOK_TOKEN)) {
        const res = await fetch(`${base}/hooks/aap`, { method: "POST", body: JSON.stringify({ ...FIXTURE, id: 9000 + n }), headers: { "content-type": "application/json", ...(auth === undefined ? {} : { authorization: auth }) } });
        expect(res.status, String(auth)).toBe(401);
        n++;
      }
    }
    await alerting.settled();
    expect(alertCount()).toBe(0);
    // The same body with the secret does alert: the refusals were about the secret, not the body.
    const ok = await fetch(`${base}/hooks/aap`, { method: "POST", body: JSON.stringify(FIXTURE), headers: { "content-type": "application/json", authorization: `Bearer ${WEBHOOK_TOKEN}` } });
    expect(ok.status).toBe(202);
    await alerting.settled();
    expect(alertCount()).toBe(1);
    console.log(`webhook: ${n}/${n} bad-secret requests refused`);
  });

  it("/admin/queues: pages, API reads and writes with a missing or wrong token → 401, and the queue is unchanged", async () => {
    const before = await jobCounts();
    const q = h.labops.queue.queue.name;
    const targets: [string, string][] = [
      ["GET", "/admin/queues"], ["GET", "/admin/queues/"], ["GET", "/admin/queues/api/queues"], ["GET", `/admin/queues/api/queues/${q}`],
      ["PUT", `/admin/queues/api/queues/${q}/pause`], ["PUT", `/admin/queues/api/queues/${q}/clean/waiting`], ["PUT", `/admin/queues/api/queues/${q}/empty`],
      ["PUT", `/admin/queues/api/queues/${q}/retry/failed`], ["POST", `/admin/queues/api/queues/${q}/add`], ["DELETE", `/admin/queues/api/queues/${q}/x/remove`],
      ["GET", "/admin/queues/static/js/main.js"], ["GET", "/admin/queues/../queues/api/queues"], ["GET", "/admin/queues%2fapi%2fqueues"],
    ];
    let n = 0;
    for (const [method, path] of targets) {
      for (const auth of badAuth(ADMIN_TOKEN)) {
        const res = await fetch(`${base}${path}`, { method, headers: { "content-type": "application/json", ...(auth === undefined ? {} : { authorization: auth }) }, ...(method === "GET" ? {} : { body: JSON.stringify({ name: "x", data: {} }) }) });
        const text = await res.text();
        expect([401, 404], `${method} ${path} ${String(auth)}`).toContain(res.status);
        expect(text).not.toContain(ADMIN_TOKEN);
        if (res.status === 404) expect(path, "only paths outside /admin/queues may 404").not.toMatch(/^\/admin\/queues(\/|$)/);
        n++;
      }
    }
    expect(await h.labops.queue.queue.isPaused()).toBe(false);
    expect(await jobCounts()).toEqual(before);
    // With the token the API answers: the refusals were about the token.
    const ok = await fetch(`${base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(ok.status).toBe(200);
    console.log(`dashboard: ${n}/${n} bad-token requests refused`);
  });

  it("the secrets never reach the log", () => {
    const text = h.logs.lines.join("\n");
    expect(text).not.toContain(WEBHOOK_TOKEN);
    expect(text).not.toContain(ADMIN_TOKEN);
  });
});
