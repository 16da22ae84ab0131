import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackBot, type SlackBot } from "../../src/bot/slack/create-slack-bot.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";

/**
 * Two bot processes on one Slack app in Socket Mode: Slack gives each envelope to one of the app's open
 * connections (up to 10), so every command is acknowledged once, by whichever bot received it, and the
 * deploys it queues run once on the shared queue.
 */
describe("two Slack Socket Mode connections of one app", () => {
  let h: SlackHarness;
  let second: SlackBot;

  beforeAll(async () => {
    h = await createSlackHarness();
    second = createSlackBot({
      config: h.config.slack!, ack: h.labops.ack, log: h.labops.log, notifiers: new NotifierRegistry(),
      retryConfig: { retries: 0 }, socketPingTimeoutMs: 1_000, groupsRefreshMs: 60_000,
    });
    await second.start();
    await h.slack.waitFor(() => h.slack.openConnections >= 2 || undefined, 10_000, "two connections");
  }, 30_000);
  afterAll(async () => {
    await second?.stop();
    await h?.close();
  });

  it("acknowledges each of 20 commands exactly once, spread over both connections, with one job each", async () => {
    const acks = [];
    for (let i = 0; i < 20; i++) acks.push(await h.slack.slash("/deploy", i % 2 ? "grafana" : "uptime-kuma", { user: "U0ALICE" }));
    const perConnection = h.slack.deliveriesPerConnection;
    expect(perConnection.length).toBe(2);
    expect(perConnection.every((n) => n >= 5), `envelopes per connection: ${perConnection.join(", ")}`).toBe(true);
    expect(new Set(acks.map((a) => a.envelopeId)).size).toBe(20);
    expect(h.slack.ackFailures).toEqual([]);
    const counts = await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized");
    expect(Object.values(counts).reduce((a, b) => a + b, 0)).toBe(20);
  }, 60_000);
});
