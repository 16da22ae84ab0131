import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";
import { FakeSlack } from "../../lab/slack/fake-slack.ts";

/** The fake Slack keeps to Slack's wire format and limits, checked through the real @slack/web-api client. */
describe("FakeSlack (Web API, response_url, Socket Mode) through @slack/web-api", () => {
  let slack: FakeSlack;
  let web: webApi.WebClient;
  let api: string;
  beforeAll(async () => {
    slack = new FakeSlack({ limits: { timeScale: 0.02 }, ackDeadlineMs: 300, pingIntervalMs: 0 });
    api = await slack.start();
    web = new webApi.WebClient(slack.botToken, { slackApiUrl: api, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
  });
  afterAll(async () => {
    await slack.close();
  });

  const platformError = async (p: Promise<unknown>) => {
    const err = (await p.catch((e: unknown) => e)) as { code?: string; data?: { error?: string } };
    expect(err.code).toBe(webApi.ErrorCode.PlatformError);
    return err.data?.error;
  };

  it("answers unknown methods and bad tokens with ok:false on HTTP 200 (so clients fail fast)", async () => {
    expect(await platformError(web.apiCall("chat.scheduleMessage", { channel: "C0OPS", text: "x" }))).toBe("unknown_method");
    const wrong = new webApi.WebClient("xoxb-wrong", { slackApiUrl: api, retryConfig: { retries: 0 } });
    expect(await platformError(wrong.auth.test())).toBe("invalid_auth");
    expect(await platformError(web.apps.connections.open({}))).toBe("not_allowed_token_type");
    const res = await fetch(`${api}auth.test`, { method: "POST" });
    expect(await res.json()).toEqual({ ok: false, error: "not_authed" });
  });

  it("stores posts by (channel, ts) with edit history; message_not_found, channel_not_found, invalid_blocks", async () => {
    const posted = await web.chat.postMessage({ channel: "C0OPS", text: "hello", blocks: [{ type: "section", text: { type: "mrkdwn", text: "hello" } }] });
    expect(posted.ts).toMatch(/^\d{10}\.\d{6}$/);
    await web.chat.update({ channel: "C0OPS", ts: posted.ts!, text: "edited" });
    const m = slack.message("C0OPS", posted.ts!)!;
    expect(m.history.map((x) => x.text)).toEqual(["hello", "edited"]);
    expect(m.blocks).toEqual([{ type: "section", text: { type: "mrkdwn", text: "hello" } }]); // blocks JSON-decoded from the form
    expect(await platformError(web.chat.update({ channel: "C0OPS", ts: "1.000001", text: "x" }))).toBe("message_not_found");
    expect(await platformError(web.chat.postMessage({ channel: "C0NOPE", text: "x" }))).toBe("channel_not_found");
    const tooMany = Array.from({ length: 51 }, () => ({ type: "divider" as const }));
    expect(await platformError(web.chat.postMessage({ channel: "C0OPS", text: "x", blocks: tooMany }))).toBe("invalid_blocks");
  });

  it("answers 429 with Retry-After over chat.update's Tier 3 budget and counts the over-limit calls", async () => {
    const own = new FakeSlack({ pingIntervalMs: 0 }); // real one-minute window
    const ownWeb = new webApi.WebClient(own.botToken, { slackApiUrl: await own.start(), retryConfig: { retries: 0 }, rejectRateLimitedCalls: true });
    const posted = await ownWeb.chat.postMessage({ channel: "C0ALERTS", text: "t" });
    let limited: { code?: string; retryAfter?: number } | undefined;
    for (let i = 0; i < 60 && !limited; i++) {
      limited = await ownWeb.chat.update({ channel: "C0ALERTS", ts: posted.ts!, text: `e${i}` }).then(() => undefined, (e: unknown) => e as never);
    }
    expect(limited?.code).toBe(webApi.ErrorCode.RateLimitedError);
    expect(limited?.retryAfter).toBeGreaterThanOrEqual(50);
    expect(own.count("chat.update", (c) => c.ok)).toBe(50);
    expect(own.overLimit["chat.update"]).toBe(1);
    await own.close();
    slack.injectRateLimit("auth.test", 1, 7);
    const injected = (await web.auth.test().catch((e: unknown) => e)) as { retryAfter?: number };
    expect(injected.retryAfter).toBe(7);
    expect(slack.injected["auth.test"]).toBe(1);
  });

  it("limits chat.postMessage to a burst, then about one per (scaled) second per channel", async () => {
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => web.chat.postMessage({ channel: "C0OPS", text: `b${i}` }).then(() => "ok", (e: { code?: string }) => e.code)));
    expect(results.filter((r) => r === webApi.ErrorCode.RateLimitedError).length).toBeGreaterThan(0);
  });

  it("response_url takes 5 uses, then 404 used_url", async () => {
    // Use a slash delivered to a raw Socket Mode client to get a real response_url.
    const { url } = await new webApi.WebClient(slack.appToken, { slackApiUrl: api, retryConfig: { retries: 0 } }).apps.connections.open({});
    const ws = new WebSocket(url!);
    const envelopes: { envelope_id: string; payload: { response_url: string } }[] = [];
    ws.on("message", (d) => {
      const m = JSON.parse(String(d));
      if (m.envelope_id) {
        envelopes.push(m);
        ws.send(JSON.stringify({ envelope_id: m.envelope_id, payload: {} }));
      }
    });
    await slack.waitForConnection();
    const ack = await slack.slash("/labops", "status", { user: "U0BOB" });
    expect(ack.payload).toEqual({});
    const responseUrl = envelopes[0]!.payload.response_url;
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await fetch(responseUrl, { method: "POST", body: JSON.stringify({ text: `r${i}` }), headers: { "content-type": "application/json" } })).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
    expect(slack.ephemerals.filter((e) => e.user === "U0BOB" && e.via === "response_url")).toHaveLength(5);
    ws.close();
  });

  it("refuses a reused ticket, and records a missing ack as a deadline failure", async () => {
    const { url } = await new webApi.WebClient(slack.appToken, { slackApiUrl: api, retryConfig: { retries: 0 } }).apps.connections.open({});
    const first = new WebSocket(url!);
    const hello = await new Promise<{ type: string }>((resolve) => first.once("message", (d) => resolve(JSON.parse(String(d)))));
    expect(hello.type).toBe("hello");
    const second = new WebSocket(url!);
    const refused = await new Promise<string>((resolve) => second.once("unexpected-response", (_req, res) => resolve(String(res.statusCode))));
    expect(refused).toBe("401");
    // `first` never acks: the fake gives up at the deadline and records it.
    await expect(slack.slash("/deploy", "traefik")).rejects.toThrow(/no ack .* within 300 ms/);
    expect(slack.ackFailures.at(-1)).toMatchObject({ type: "slash_commands", reason: "timeout" });
    first.close();
  });
});
