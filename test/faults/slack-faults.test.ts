import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackBot, DEFAULT_RETRY, type SlackBot } from "../../src/bot/slack/create-slack-bot.ts";
import { HttpFaultProxy } from "../helpers/http-fault-proxy.ts";
import { createSlackHarness, headerOf, TEST_THROTTLE, type SlackHarness } from "../helpers/slack-harness.ts";

/**
 * The chat platform failing while jobs report progress: the fake Slack answers injected 429s (Retry-After),
 * and a proxy in front of it answers 5xx. Every job's final message is still delivered, and no call goes
 * over Slack's real limits (the fake counts those separately from the injected ones).
 */
describe("Slack Web API faults during job progress (fake Slack, real Bolt and web-api)", () => {
  let h: SlackHarness;
  let proxy: HttpFaultProxy;
  let faulty: SlackBot;

  const jobIdOf = (text: unknown) => /job `([0-9a-z]{12})`/.exec(String(text))?.[1];
  const runJobs = async (n: number) => {
    const acks = await Promise.all(Array.from({ length: n }, () => h.slack.slash("/runner", "status", { user: "U0ALICE" })));
    const ids = acks.map((a) => jobIdOf(a.payload.text));
    for (const [i, id] of ids.entries()) expect(id, JSON.stringify(acks[i]!.payload).slice(0, 300)).toBeDefined();
    return ids as string[];
  };

  beforeAll(async () => {
    h = await createSlackHarness();
    proxy = new HttpFaultProxy(h.slack.url);
    await proxy.start();
    // A second notifier whose Web API calls go through the proxy (production retry settings), registered
    // under "slack" so the worker's progress messages use it; the harness's bot still receives the commands.
    faulty = createSlackBot({
      config: { ...h.config.slack!, apiUrl: `${proxy.url}/api/` }, ack: h.labops.ack, log: h.labops.log, notifiers: h.labops.notifiers,
      throttle: TEST_THROTTLE, retryConfig: { ...DEFAULT_RETRY, randomize: false, minTimeout: 50, maxTimeout: 200 },
    });
  });
  afterAll(async () => {
    await faulty?.stop();
    await h?.close();
    await proxy?.close();
  });

  it("injected 429s on chat.postMessage and chat.update: every final delivered, 0 calls over the real limit", async () => {
    h.slack.injectRateLimit("chat.postMessage", 2, 1);
    h.slack.injectRateLimit("chat.update", 4, 1);
    const ids = await runJobs(6);
    for (const id of ids) expect(headerOf((await h.final(id, 20_000)).blocks)).toMatch(/^✅ Runners/);
    expect(h.slack.injected["chat.postMessage"]).toBe(2);
    expect(h.slack.injected["chat.update"]).toBeGreaterThanOrEqual(1);
    expect(h.slack.overLimit).toEqual({});
    // One message per job (a 429 on a post is retried, not re-posted twice).
    for (const id of ids) expect(h.slack.messages("C0OPS").filter((m) => m.text.includes(`Job \`${id}\``) || m.history.some((x) => x.text.includes(`Job \`${id}\``)))).toHaveLength(1);
  }, 30_000);

  it("injected 5xx on chat.postMessage and chat.update: every final delivered, 0 calls over the real limit", async () => {
    proxy.fail(/\/api\/chat\.postMessage$/, 500, 2);
    proxy.fail(/\/api\/chat\.update$/, 503, 8);
    const ids = await runJobs(4);
    for (const id of ids) expect(headerOf((await h.final(id, 25_000)).blocks)).toMatch(/^✅ Runners/);
    expect(proxy.failed["/api/chat.postMessage"]).toBe(2);
    expect(proxy.failed["/api/chat.update"]).toBe(8);
    expect(h.slack.overLimit).toEqual({});
  }, 40_000);
});
