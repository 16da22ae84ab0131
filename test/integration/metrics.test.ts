import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RateLimitedError, ThrottledNotifier } from "../../src/bot/throttled-notifier.ts";
import { NautobotClient } from "../../src/clients/nautobot.ts";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { LabopsMetrics } from "../../src/metrics/labops-metrics.ts";
import { MeteredNotifier } from "../../src/metrics/metered-notifier.ts";
import { NoopMetrics, type Metrics } from "../../src/metrics/metrics.ts";
import { addMetricsRoute } from "../../src/metrics/metrics-route.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

interface Sample { name: string; labels: Record<string, string>; value: number }

/** Parses the Prometheus text exposition into samples. */
function parse(text: string): Sample[] {
  return text.split("\n").filter((l) => l && !l.startsWith("#")).map((line) => {
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`bad exposition line: ${line}`);
    const labels = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1]!, x[2]!]));
    return { name: m[1]!, labels, value: Number(m[3]) };
  });
}

function value(samples: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  return samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string | null; samples: Sample[] }> {
  const res = await fetch(`${url}/metrics`, { headers });
  const text = await res.text();
  return { status: res.status, type: res.headers.get("content-type"), samples: res.status === 200 ? parse(text) : [] };
}

describe("LabopsMetrics and GET /metrics", () => {
  let server: HttpServer;
  let url: string;
  const metrics = new LabopsMetrics({ commands: ["deploy", "runner create"] });
  const log = { error() {}, warn() {}, info() {}, debug() {} } as never;

  beforeAll(async () => {
    server = new HttpServer(log);
    addMetricsRoute(server, metrics);
    url = await server.listen(0, "127.0.0.1");
  });
  afterAll(() => server.close());

  it("serves every labops metric with its labels in the Prometheus text format", async () => {
    metrics.commandHandled("deploy", "queued");
    metrics.commandHandled("deploy", "queued");
    metrics.commandHandled("runner create", "refused");
    metrics.commandHandled("deploi", "bad_input"); // not a registered command: no new label value
    metrics.ackLatency("slack", 4);
    metrics.ackLatency("slack", 2_500);
    metrics.jobFinished("aap.deploy", "success", 42_000);
    metrics.lockWaited("app:traefik");
    metrics.lockWaited("app:grafana");
    metrics.chatCall("discord", "ok");
    metrics.chatCall("discord", "rate_limited");
    metrics.backendError("aap", 502);
    metrics.backendError("proxmox", undefined);

    const { status, type, samples } = await scrape(url);
    expect(status).toBe(200);
    expect(type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "queued" })).toBe(2);
    expect(value(samples, "labops_commands_total", { command: "runner create", outcome: "refused" })).toBe(1);
    expect(value(samples, "labops_commands_total", { command: "other", outcome: "bad_input" })).toBe(1);
    expect(samples.some((s) => s.labels.command === "deploi")).toBe(false);
    expect(value(samples, "labops_ack_latency_seconds_bucket", { platform: "slack", le: "0.005" })).toBe(1);
    expect(value(samples, "labops_ack_latency_seconds_bucket", { platform: "slack", le: "3" })).toBe(2);
    expect(value(samples, "labops_ack_latency_seconds_sum", { platform: "slack" })).toBeCloseTo(2.504, 6);
    expect(value(samples, "labops_job_duration_seconds_bucket", { kind: "aap.deploy", outcome: "success", le: "30" })).toBe(0);
    expect(value(samples, "labops_job_duration_seconds_bucket", { kind: "aap.deploy", outcome: "success", le: "60" })).toBe(1);
    expect(value(samples, "labops_lock_waits_total", { target_kind: "app" })).toBe(2);
    expect(value(samples, "labops_chat_api_calls_total", { platform: "discord", outcome: "ok" })).toBe(1);
    expect(value(samples, "labops_chat_api_calls_total", { platform: "discord", outcome: "rate_limited" })).toBe(1);
    expect(value(samples, "labops_chat_rate_limited_total", { platform: "discord" })).toBe(1);
    expect(value(samples, "labops_backend_errors_total", { service: "aap", status: "502" })).toBe(1);
    expect(value(samples, "labops_backend_errors_total", { service: "proxmox", status: "none" })).toBe(1);
    // Process metrics, with the labops_ prefix; no queue set: the gauge has no samples rather than zeros.
    expect(value(samples, "labops_process_resident_memory_bytes")).toBeGreaterThan(0);
    expect(value(samples, "labops_nodejs_eventloop_lag_seconds")).toBeGreaterThanOrEqual(0);
    expect(samples.some((s) => s.name === "labops_queue_jobs")).toBe(false);
  });

  it("keeps each instance's registry to itself (no global default registry)", async () => {
    const other = new LabopsMetrics({ defaultMetrics: false });
    other.commandHandled("deploy", "error");
    const samples = parse((await other.render()).body);
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "error" })).toBe(1);
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "queued" })).toBeUndefined();
    expect(samples.some((s) => s.name.startsWith("labops_process_"))).toBe(false);
    const noop: Metrics = new NoopMetrics();
    expect(() => noop.commandHandled("deploy", "queued")).not.toThrow();
  });

  it("asks for the bearer token when the route is given one, without leaking anything", async () => {
    const guarded = new HttpServer(log);
    const m = new LabopsMetrics({ defaultMetrics: false });
    m.lockWaited("host:edge01");
    addMetricsRoute(guarded, m, { token: "metrics-token-0123456789" });
    const gurl = await guarded.listen(0, "127.0.0.1");
    try {
      const none = await fetch(`${gurl}/metrics`);
      expect(none.status).toBe(401);
      expect(none.headers.get("www-authenticate")).toContain("Bearer");
      expect(await none.text()).not.toContain("labops_");
      expect((await scrape(gurl, { authorization: "Bearer wrong-token-0123456789" })).status).toBe(401);
      const ok = await scrape(gurl, { authorization: "Bearer metrics-token-0123456789" });
      expect(ok.status).toBe(200);
      expect(value(ok.samples, "labops_lock_waits_total", { target_kind: "host" })).toBe(1);
    } finally {
      await guarded.close();
    }
  });
});

describe("metrics wired around labops (harness: real Redis, worker, simulated lab)", () => {
  let h: Harness;
  let server: HttpServer;
  let url: string;
  let metrics: LabopsMetrics;

  beforeAll(async () => {
    h = await createHarness();
    // The composition root's own metrics: dispatch, the worker and the clients record into them.
    metrics = h.labops.metrics;
    server = new HttpServer(h.labops.log);
    addMetricsRoute(server, metrics);
    url = await server.listen(0, "127.0.0.1");
  });
  afterAll(async () => {
    await server.close();
    await h.close();
  });

  /** A command on the ack path, as a front end sends it (dispatch records the outcome and the latency). */
  async function ack(line: string, actor?: Actor, requestId = randomUUID()) {
    const [root = "", ...rest] = line.replace(/^\//, "").split(" ");
    return dispatchCommand(h.labops.ack, { root, text: rest.join(" "), actor: actor ?? h.admin, channel: h.channel, requestId });
  }

  it("counts /deploy traefik from ack to finished job, and reads the queue at scrape time", async () => {
    const requestId = randomUUID();
    const reply = await ack("/deploy traefik", undefined, requestId);
    expect(reply.state).toBe("queued");
    const again = await ack("/deploy traefik", undefined, requestId); // a platform redelivery
    expect(again.jobId).toBe(reply.jobId);
    expect((await h.notifier.final(reply.jobId!)).state).toBe("success");

    // The worker's `completed` event can land just after the final message; poll the scrape.
    let samples: Sample[] = [];
    for (let i = 0; i < 50; i++) {
      samples = (await scrape(url)).samples;
      if (value(samples, "labops_job_duration_seconds_count", { kind: "aap.deploy", outcome: "success" })) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "queued" })).toBe(1);
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "duplicate" })).toBe(1);
    expect(value(samples, "labops_ack_latency_seconds_count", { platform: "terminal" })).toBe(2);
    expect(value(samples, "labops_ack_latency_seconds_bucket", { platform: "terminal", le: "1" })).toBe(2);
    expect(value(samples, "labops_job_duration_seconds_count", { kind: "aap.deploy", outcome: "success" })).toBe(1);
    expect(value(samples, "labops_job_duration_seconds_sum", { kind: "aap.deploy", outcome: "success" })).toBeGreaterThan(0);
    expect(value(samples, "labops_queue_jobs", { state: "completed" })).toBe(await h.labops.queue.queue.getCompletedCount());
    expect(value(samples, "labops_queue_jobs", { state: "completed" })).toBeGreaterThanOrEqual(1);
    for (const state of ["waiting", "active", "delayed", "failed"]) expect(value(samples, "labops_queue_jobs", { state })).toBe(0);
  });

  it("classifies bad input, unknown commands and refusals on the ack path", async () => {
    expect((await ack("/deploy")).state).toBe("failure");
    expect((await ack("/deploi traefik")).state).toBe("failure");
    const stranger: Actor = { platform: "slack", id: "U0STRANGER", name: "stranger", groups: [] };
    expect((await ack("/deploy traefik", stranger)).state).toBe("failure");
    const samples = (await scrape(url)).samples;
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "bad_input" })).toBe(1);
    expect(value(samples, "labops_commands_total", { command: "other", outcome: "bad_input" })).toBe(1);
    expect(value(samples, "labops_commands_total", { command: "deploy", outcome: "refused" })).toBe(1);
  });

  it("records a job that fails for good (unknown app: UserError) as outcome error", async () => {
    const reply = await ack("/deploy traefk");
    expect((await h.notifier.final(reply.jobId!)).state).toBe("failure");
    let samples: Sample[] = [];
    for (let i = 0; i < 50 && !value(samples, "labops_job_duration_seconds_count", { kind: "aap.deploy", outcome: "error" }); i++) {
      await new Promise((r) => setTimeout(r, 20));
      samples = (await scrape(url)).samples;
    }
    expect(value(samples, "labops_job_duration_seconds_count", { kind: "aap.deploy", outcome: "error" })).toBe(1);
    expect(value(samples, "labops_job_duration_seconds_count", { kind: "aap.deploy", outcome: "retry" })).toBeUndefined();
    expect(value(samples, "labops_queue_jobs", { state: "failed" })).toBe(1);
  });

  it("counts backend failures through the clients' onError hook", async () => {
    const nautobot = new NautobotClient({ url: h.lab.env.NAUTOBOT_URL!, token: h.lab.nautobot.token, onError: (e) => metrics.backendError(e.service, e.status) });
    h.lab.nautobot.http.inject({ path: /dcim\/devices/, status: 400, times: 1 });
    await expect(nautobot.getDevice("edge01")).rejects.toMatchObject({ name: "ApiError", status: 400 });
    expect(await nautobot.findHost("edge01")).toMatchObject({ name: "edge01" });
    expect(value((await scrape(url)).samples, "labops_backend_errors_total", { service: "nautobot", status: "400" })).toBe(1);
  });

  it("counts chat calls and 429s under the throttled notifier", async () => {
    const inner = new RecordingNotifier();
    let limitOnce = true;
    const flaky = {
      post: (t: Parameters<RecordingNotifier["post"]>[0], m: Parameters<RecordingNotifier["post"]>[1]) => {
        if (limitOnce) {
          limitOnce = false;
          return Promise.reject(new RateLimitedError(10));
        }
        return inner.post(t, m);
      },
      edit: (r: Parameters<RecordingNotifier["edit"]>[0], m: Parameters<RecordingNotifier["edit"]>[1]) => inner.edit(r, m),
    };
    const throttled = new ThrottledNotifier(new MeteredNotifier(flaky, "slack", metrics), { perMessageMs: 0, bucketOf: (t) => t.channel, capacity: 5, refillMs: 10 });
    const ref = await throttled.post({ platform: "slack", channel: "C1" }, { title: "hello", state: "info" });
    await throttled.edit(ref, { title: "hello again", state: "success" });
    const samples = (await scrape(url)).samples;
    expect(value(samples, "labops_chat_api_calls_total", { platform: "slack", outcome: "rate_limited" })).toBe(1);
    expect(value(samples, "labops_chat_api_calls_total", { platform: "slack", outcome: "ok" })).toBe(2);
    expect(value(samples, "labops_chat_rate_limited_total", { platform: "slack" })).toBe(1);
    expect(throttled.stats).toMatchObject({ calls: 3, rateLimited: 1 });
  });
});
