import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeMattermost } from "../../lab/mattermost/fake-mattermost.ts";
import { ButtonSigner } from "../../src/bot/mattermost/button-context.ts";
import { MattermostApi } from "../../src/bot/mattermost/mattermost-api.ts";
import { MattermostNotifier } from "../../src/bot/mattermost/mattermost-notifier.ts";
import { RateLimitedError, ThrottledNotifier } from "../../src/bot/throttled-notifier.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { ApiError } from "../../src/errors.ts";

/** The Mattermost notifier over real HTTP against the fake's REST API v4: posts, edits, mentions, rate limits, errors. */
let fake: FakeMattermost;
let api: MattermostApi;
let ops: ChannelRef;

beforeAll(async () => {
  fake = new FakeMattermost({ rateLimit: { perSec: 10, burst: 3 }, channels: ["ops", "private"], botChannels: ["ops"] });
  await fake.start();
  api = new MattermostApi({ url: fake.url, botToken: fake.botToken, timeoutMs: 2_000 });
  ops = { platform: "mattermost", channel: fake.channel("ops") };
});

afterAll(async () => {
  await fake?.close();
});

const notifier = () => new MattermostNotifier(api, new ButtonSigner(fake.botToken), "http://labops.test/mattermost/actions");

describe("Mattermost notifier", () => {
  it("posts as the bot and edits the same post in place; nothing it writes can mention anyone", async () => {
    const n = notifier();
    const ref = await n.post(ops, { title: "Deploy @channel", state: "running", lines: ["by @olga", "  docker compose up @all"] });
    expect(ref).toMatchObject({ platform: "mattermost", channel: ops.channel });
    await n.edit(ref, { title: "Deploy done", state: "success", fields: [{ label: "Host", value: "docker02" }] });
    const stored = fake.post(ref.messageId)!;
    expect(stored.post.user_id).toBe(fake.bot.id);
    expect(stored.history).toHaveLength(2);
    expect(String(stored.history[0]!.message)).not.toMatch(/@(channel|olga|all)/);
    expect(String(stored.history[0]!.message)).toContain("@\u200dchannel");
    expect(String(stored.post.message)).toContain("✅ Deploy done");
    expect(stored.post.props).toMatchObject({ attachments: [{ fields: [{ title: "Host", value: "docker02" }] }] });
  });

  it("a 429 answers RateLimitedError with the server's wait; the throttle waits it out and delivers every post and the final edit", async () => {
    await new Promise((r) => setTimeout(r, 400)); // a full bucket
    const raw = notifier();
    const burst = await Promise.allSettled(Array.from({ length: 6 }, (_, i) => raw.post(ops, { title: `raw ${i}`, state: "info" })));
    const limited = burst.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason as unknown);
    expect(limited.length).toBeGreaterThan(0);
    expect(limited.every((e) => e instanceof RateLimitedError && e.retryAfterMs >= 250)).toBe(true);

    await new Promise((r) => setTimeout(r, 400));
    const before = fake.stats.rateLimited;
    const throttled = new ThrottledNotifier(raw, { perMessageMs: 10, capacity: 20, refillMs: 10, bucketOf: () => "mattermost" });
    const refs = await Promise.all(Array.from({ length: 4 }, (_, i) => throttled.post(ops, { title: `paced ${i}`, state: "running" })));
    await Promise.all(refs.map((ref) => throttled.edit(ref, { title: "finished", state: "success" })));
    expect(fake.stats.rateLimited).toBeGreaterThan(before);
    expect(throttled.stats.rateLimited).toBeGreaterThan(0);
    for (const ref of refs) expect(String(fake.post(ref.messageId)!.post.message)).toContain("✅ finished");
  }, 15_000);

  it("a refusal is an ApiError naming Mattermost's error id, never the token", async () => {
    await new Promise((r) => setTimeout(r, 400)); // a full bucket again
    const other = fake.store({ id: "abcdefghijklmnopqrstuvwxyz", user_id: fake.user("olga").id, channel_id: ops.channel, message: "hers", props: {} });
    const err = await notifier().edit({ ...ops, messageId: String(other.id) }, { title: "mine now", state: "info" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(403);
    expect((err as ApiError).reason).toContain("api.context.permissions.app_error");
    const notMember = await notifier().post({ ...ops, channel: fake.channel("private") }, { title: "hello", state: "info" }).catch((e: unknown) => e);
    expect((notMember as ApiError).status).toBe(403);
    const bad = await new MattermostApi({ url: fake.url, botToken: "not-the-token" }).me().catch((e: unknown) => e);
    expect((bad as ApiError).status).toBe(401);
    expect(JSON.stringify(bad)).not.toContain(fake.botToken);
  });

  it("an ephemeral post reaches only its user, and is refused without create_post_ephemeral", async () => {
    await new Promise((r) => setTimeout(r, 400));
    const olga = fake.user("olga");
    await api.createEphemeralPost(olga.id, ops.channel, { message: "for olga", props: { attachments: [] } });
    expect(fake.ephemerals(olga.id).map((p) => p.post.message)).toContain("for olga");
    expect(fake.posts(ops.channel).some((p) => p.post.message === "for olga")).toBe(false);
    fake.ephemeralAllowed = false;
    try {
      const err = await api.createEphemeralPost(olga.id, ops.channel, { message: "again", props: { attachments: [] } }).catch((e: unknown) => e);
      expect((err as ApiError).status).toBe(403);
    } finally {
      fake.ephemeralAllowed = true;
    }
  });

  it("a response_url is used only when it is this server's command hook", async () => {
    const before = fake.http.requests.length;
    for (const url of ["http://127.0.0.1:1/hooks/commands/x", `${fake.url}/api/v4/posts`, "not a url"]) {
      await expect(api.respond(url, { text: "hi" })).rejects.toBeInstanceOf(ApiError);
    }
    expect(fake.http.requests.length).toBe(before);
  });
});
