import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscordBot, type DiscordBot } from "../../src/bot/discord/create-discord-bot.ts";
import { redisInteractionClaim } from "../../src/bot/discord/interaction-claim.ts";
import { LAB_HOSTS, LAB_NODES } from "../../lab/homelab.ts";
import { createDiscordHarness, type DiscordHarness } from "../helpers/discord-harness.ts";

/**
 * Two bot processes logged in with one Discord token and no sharding: Discord's gateway sends every interaction
 * to both sessions (the fake does the same). Each bot here is its own discord.js Client with its own gateway
 * session and REST queue; only the claim in Redis decides which one answers.
 */
describe("two Discord bot processes on one token", () => {
  let d: DiscordHarness;
  let second: DiscordBot | undefined;

  const secondBot = (claim: boolean) =>
    createDiscordBot({
      config: d.h.config.discord!,
      ack: d.ack,
      log: d.h.labops.log,
      autocomplete: { apps: () => d.h.labops.catalog.cachedNames(), hosts: () => LAB_HOSTS.map((x) => x.name), nodes: () => [...LAB_NODES] },
      claimInteraction: claim ? redisInteractionClaim(d.h.labops.redis, d.h.config.redis.prefix) : undefined,
    });

  beforeAll(async () => {
    d = await createDiscordHarness();
  }, 30_000);
  afterAll(async () => {
    await second?.stop();
    await d?.close();
  });

  it("without a claim both sessions answer: the second answer is refused by Discord as already acknowledged", async () => {
    second = secondBot(false);
    await second.start();
    expect(d.fake.gateway.sessionCount).toBeGreaterThanOrEqual(2);
    const before = d.fake.interactions.doubleAcks.length;
    await d.fake.slash("labops help", {}, { roles: [d.operators] });
    await new Promise((r) => setTimeout(r, 1_000));
    expect(d.fake.interactions.doubleAcks.length - before).toBeGreaterThan(0);
    await second.stop();
    second = undefined;
  }, 30_000);

  it("with the Redis claim, each of 20 interactions is answered exactly once", async () => {
    // The harness' own bot has no claim: give both bots one (restart the harness bot with it).
    await d.bot.stop();
    const first = secondBot(true);
    await first.start();
    second = secondBot(true);
    await second.start();
    try {
      const before = d.fake.interactions.doubleAcks.length;
      const results = await Promise.all(Array.from({ length: 20 }, (_, i) =>
        d.fake.slash(i % 2 ? "labops help" : "labops status", {}, { roles: [d.operators] })));
      await new Promise((r) => setTimeout(r, 1_000));
      expect(results.every((r) => r.callback.type === 5 || r.callback.type === 4)).toBe(true);
      expect(d.fake.interactions.doubleAcks.length - before).toBe(0);
      expect(d.fake.interactions.late).toEqual([]);
    } finally {
      await first.stop();
    }
  }, 60_000);
});
