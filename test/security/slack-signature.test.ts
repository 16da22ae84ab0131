import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quantile } from "../helpers/fault-timing.ts";
import { createSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";

const ATTEMPTS = 200;

/**
 * S1: Slack HTTP mode through the real Bolt HTTPReceiver on labops' HTTP server. Forged, missing, stale
 * (> 300 s), tampered and wrong-version signatures are refused with 401, every time, quickly, and nothing
 * is queued or acknowledged.
 */
describe("Slack request signatures (HTTP mode): forged, missing and stale requests are refused", () => {
  let h: SlackHarness;
  let seq = 0;
  const body = (text = "traefik") => new URLSearchParams({
    token: "vtok", team_id: h.slack.teamId, channel_id: "C0OPS", channel_name: "ops", user_id: "U0ALICE", user_name: "alice",
    command: "/deploy", text, api_app_id: h.slack.appId, response_url: `${h.slack.url}/response/none`, trigger_id: `sig-${++seq}`,
  }).toString();
  const sign = (raw: string, ts: string, secret = h.slack.signingSecret) => `v0=${createHmac("sha256", secret).update(`v0:${ts}:${raw}`).digest("hex")}`;
  const now = () => String(Math.floor(Date.now() / 1000));
  const post = async (raw: string, headers: Record<string, string>) => {
    const t0 = performance.now();
    const res = await fetch(h.slack.requestUrl!, { method: "POST", body: raw, headers: { "content-type": "application/x-www-form-urlencoded", ...headers } });
    await res.text();
    return { status: res.status, ms: performance.now() - t0 };
  };
  const jobCount = async () => Object.values(await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized")).reduce((a, b) => a + b, 0);

  const variants: Record<string, () => Promise<{ status: number; ms: number }>> = {
    "forged (wrong secret)": () => { const r = body(); const ts = now(); return post(r, { "x-slack-request-timestamp": ts, "x-slack-signature": sign(r, ts, "an-attacker-guess-0000000000000") }); },
    "missing signature": () => post(body(), { "x-slack-request-timestamp": now() }),
    "missing timestamp": () => { const r = body(); return post(r, { "x-slack-signature": sign(r, now()) }); },
    "no headers at all": () => post(body(), {}),
    "stale (301 s old, correctly signed)": () => { const r = body(); const ts = String(Number(now()) - 301); return post(r, { "x-slack-request-timestamp": ts, "x-slack-signature": sign(r, ts) }); },
    "future (10 min ahead, correctly signed)": () => { const r = body(); const ts = String(Number(now()) + 600); return post(r, { "x-slack-request-timestamp": ts, "x-slack-signature": sign(r, ts) }); },
    "tampered body (signature of another body)": () => { const ts = now(); return post(body("grafana --check"), { "x-slack-request-timestamp": ts, "x-slack-signature": sign(body("grafana"), ts) }); },
    "wrong version prefix": () => { const r = body(); const ts = now(); return post(r, { "x-slack-request-timestamp": ts, "x-slack-signature": sign(r, ts).replace("v0=", "v1=") }); },
    "garbage signature": () => post(body(), { "x-slack-request-timestamp": now(), "x-slack-signature": "v0=zz" }),
    "non-numeric timestamp": () => { const r = body(); return post(r, { "x-slack-request-timestamp": "soon", "x-slack-signature": sign(r, "soon") }); },
  };

  /** Server-side time from request arrival to the response being written, for every request. */
  const serverMs: number[] = [];
  beforeAll(async () => {
    h = await createSlackHarness({ mode: "http" });
    h.http!.server.prependListener("request", (_req, res) => {
      const t0 = performance.now();
      res.on("finish", () => serverMs.push(performance.now() - t0));
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a correctly signed request is accepted (the check is not refusing everything)", async () => {
    const r = body("grafana");
    const ts = now();
    const res = await post(r, { "x-slack-request-timestamp": ts, "x-slack-signature": sign(r, ts) });
    expect(res.status).toBe(200);
  });

  it(`refuses 100% of ${ATTEMPTS} attempts of each kind with 401, quickly, with 0 enqueues`, async () => {
    // Let the accepted request above finish, then count from here.
    await new Promise((r) => setTimeout(r, 200));
    const before = await jobCount();
    const acksBefore = h.slack.acks.length;
    const all: number[] = [];
    serverMs.length = 0;
    for (const [name, send] of Object.entries(variants)) {
      const times: number[] = [];
      for (let i = 0; i < ATTEMPTS; i++) {
        const res = await send();
        expect(res.status, name).toBe(401);
        times.push(res.ms);
      }
      all.push(...times);
      console.log(`${name}: ${ATTEMPTS}/${ATTEMPTS} refused, p50 ${quantile(times, 0.5).toFixed(2)} ms, p99 ${quantile(times, 0.99).toFixed(2)} ms`);
    }
    const p50 = quantile(serverMs, 0.5);
    const p99 = quantile(serverMs, 0.99);
    console.log(`signature rejection over ${serverMs.length} requests: server-side p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...serverMs).toFixed(2)} ms; ` +
      `client round trip p50 ${quantile(all, 0.5).toFixed(2)} ms, p99 ${quantile(all, 0.99).toFixed(2)} ms`);
    expect(serverMs.length).toBe(all.length);
    // The time to refuse is printed, not asserted: under a loaded CI machine a timed assertion proves nothing.
    // Target S1 (p99 ≤ 5 ms) is recorded in docs/RELIABILITY.md from quiet runs.
    expect(p99).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 100));
    expect(await jobCount()).toBe(before);
    expect(h.slack.acks.length).toBe(acksBefore);
  }, 60_000);
});
