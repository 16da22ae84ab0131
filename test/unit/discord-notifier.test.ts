import { REST } from "discord.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CHANNEL_MESSAGE_ROUTES, DiscordNotifier } from "../../src/bot/discord/discord-notifier.ts";
import { STATE_COLOURS } from "../../src/bot/discord/embeds.ts";
import { RateLimitedError, ThrottledNotifier } from "../../src/bot/throttled-notifier.ts";
import { ApiError } from "../../src/errors.ts";
import { FakeDiscord } from "../../lab/discord/fake-discord.ts";
import type { Obj } from "../../lab/discord/objects.ts";

/** The raw notifier and its throttle through @discordjs/rest against the fake Discord. */
describe("DiscordNotifier", () => {
  const fake = new FakeDiscord({ channelLimit: { limit: 5, windowMs: 200 } });
  let rest: REST;
  let ch: string;
  beforeAll(async () => {
    await fake.start();
    rest = new REST({ api: fake.apiUrl, retries: 0, rejectOnRateLimit: (d) => CHANNEL_MESSAGE_ROUTES.some((p) => d.route.startsWith(p)) }).setToken(fake.token);
    ch = fake.channel("ops");
  });
  afterAll(() => fake.close());

  it("posts and edits bot-owned channel messages with the bot token", async () => {
    const n = new DiscordNotifier(rest);
    const ref = await n.post({ platform: "discord", channel: ch }, { title: "Deploy", state: "running" });
    expect(ref).toEqual({ platform: "discord", channel: ch, messageId: expect.stringMatching(/^\d{17,19}$/) });
    await n.edit(ref, { title: "Deploy", state: "success", buttons: [{ id: "act:abcdefghijkl", label: "Logs" }] });
    const m = fake.message(ref.messageId)!;
    expect(m.history).toHaveLength(2);
    expect((m.object.embeds as Obj[])[0]).toMatchObject({ title: "✅ Deploy", color: STATE_COLOURS.success });
    expect(fake.calls.filter((c) => c.path.includes(`/channels/${ch}/`)).every((c) => c.auth === `Bot ${fake.token}`)).toBe(true);
  });

  it("posts with an enforced nonce: a repeated post with the same key returns the first message (Discord's rule), a post without one doubles", async () => {
    const n = new DiscordNotifier(rest);
    const target = { platform: "discord" as const, channel: ch };
    const before = fake.messages(ch).length;
    const a = await n.post(target, { title: "Deploy", state: "queued" }, { key: "labops-0123456789ab" });
    await new Promise((r) => setTimeout(r, 250)); // the channel bucket refills
    const b = await n.post(target, { title: "Deploy", state: "queued" }, { key: "labops-0123456789ab" });
    expect(b.messageId).toBe(a.messageId);
    expect(fake.messages(ch).length - before).toBe(1);
    const sent = fake.calls.filter((c) => c.method === "POST" && c.path.endsWith(`/channels/${ch}/messages`)).slice(-2);
    expect(sent.map((c) => c.body)).toEqual([expect.objectContaining({ nonce: "labops-0123456789ab", enforce_nonce: true }), expect.objectContaining({ nonce: "labops-0123456789ab", enforce_nonce: true })]);
    expect(fake.message(a.messageId)!.object.nonce).toBe("labops-0123456789ab");
    await new Promise((r) => setTimeout(r, 250));
    const c = await n.post(target, { title: "Deploy", state: "queued" });
    const d = await n.post(target, { title: "Deploy", state: "queued" });
    expect(c.messageId).not.toBe(d.messageId);
    expect(fake.messages(ch).length - before).toBe(3);
  });

  it("maps a 429 to RateLimitedError with the Retry-After, and other failures to ApiError without secrets", async () => {
    const n = new DiscordNotifier(rest);
    fake.inject429({ path: /\/channels\//, times: 1, retryAfterMs: 300 });
    const err = await n.post({ platform: "discord", channel: ch }, { title: "x", state: "info" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitedError);
    expect((err as RateLimitedError).retryAfterMs).toBeGreaterThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 350));
    const missing = await n.post({ platform: "discord", channel: "999999999999999999" }, { title: "x", state: "info" }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ApiError);
    expect((missing as ApiError).status).toBe(404);
    expect((missing as ApiError).message).toContain("10003");
    expect((missing as ApiError).message).not.toContain(fake.token);
  });

  it("with the throttle: a final is delivered through repeated 429s, intermediate edits coalesce, nothing goes over the bucket", async () => {
    await new Promise((r) => setTimeout(r, 250));
    const t = new ThrottledNotifier(new DiscordNotifier(rest), { perMessageMs: 60, capacity: 1, refillMs: 50, bucketOf: (c) => c.channel });
    const ref = await t.post({ platform: "discord", channel: ch }, { title: "job", state: "queued" });
    fake.inject429({ path: /\/channels\//, times: 3, retryAfterMs: 80 });
    const edits = Array.from({ length: 10 }, (_, i) => t.edit(ref, { title: "job", state: "running", lines: [`step ${i}`] }));
    const final = t.edit(ref, { title: "job", state: "success" });
    await Promise.all([...edits, final]);
    const history = fake.message(ref.messageId)!.history;
    expect((history.at(-1)!.embeds as Obj[])[0]).toMatchObject({ title: "✅ job" });
    expect(history.length).toBeLessThan(6); // 11 calls coalesced into a few edits
    expect(t.stats.rateLimited).toBe(3);
    expect(fake.stats.overLimit).toBe(0);
  });
});
