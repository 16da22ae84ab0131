import { describe, expect, it } from "vitest";
import type { ChannelRef, MessageRef } from "../../src/core/actor.ts";
import type { Message } from "../../src/core/message.ts";
import type { Notifier } from "../../src/core/notifier.ts";
import { ThrottledNotifier } from "../../src/bot/throttled-notifier.ts";
import { StrictPlatform } from "../helpers/strict-platform.ts";

const running = (i: number): Message => ({ title: "job", state: "running", lines: [String(i)] });
const done: Message = { title: "job", state: "success", lines: ["done"] };

describe("ThrottledNotifier", () => {
  it("keeps 20 concurrent jobs inside the platform's limit and delivers every final state", async () => {
    const platform = new StrictPlatform(10, 200);
    // A bucket of C tokens refilled every R ms stays under L per W when C + W/R <= L: 5 + 200/40 = 10.
    const t = new ThrottledNotifier(platform, { perMessageMs: 40, bucketOf: (c) => c.channel, capacity: 5, refillMs: 40 });
    const channel: ChannelRef = { platform: "slack", channel: "C1" };
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        const ref = await t.post(channel, running(0));
        for (let i = 1; i <= 10; i++) {
          void t.edit(ref, running(i));
          await new Promise((r) => setTimeout(r, 5));
        }
        await t.edit(ref, done);
      }),
    );
    expect(platform.overLimit).toBe(0);
    const finals = platform.calls.filter((c) => c.msg.state === "success");
    expect(finals).toHaveLength(20);
    // Edits of one message are at least perMessageMs apart.
    const byId = new Map<string, number[]>();
    for (const c of platform.calls) byId.set(c.id, [...(byId.get(c.id) ?? []), c.at]);
    for (const times of byId.values()) for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeGreaterThanOrEqual(38);
    expect(t.stats.coalesced).toBeGreaterThan(0);
  });

  it("50 messages edited at once in one workspace: edits spread over all of them, every final delivered, nothing over the limit", async () => {
    const platform = new StrictPlatform(15, 200);
    // 50 calls/s for the workspace (5 + 200/20 = 15 per 200 ms); each of 50 jobs wants an edit every 10 ms for 1 s, then its final.
    const t = new ThrottledNotifier(platform, { perMessageMs: 40, bucketOf: () => "workspace", capacity: 5, refillMs: 20 });
    const channel: ChannelRef = { platform: "slack", channel: "C1" };
    const refs = await Promise.all(Array.from({ length: 50 }, () => t.post(channel, running(0))));
    const t0 = Date.now();
    let i = 0;
    while (Date.now() - t0 < 1_000) {
      i++;
      for (const ref of refs) void t.edit(ref, running(i));
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(refs.map((ref) => t.edit(ref, done)));
    expect(platform.overLimit).toBe(0);
    const edits = new Map(refs.map((r) => [r.messageId, 0]));
    for (const c of platform.calls) if (c.kind === "edit" && c.msg.state === "running") edits.set(c.id, (edits.get(c.id) ?? 0) + 1);
    const counts = [...edits.values()];
    // Fair: the budget (~50 intermediate edits in 1 s) goes round the messages instead of to the first few.
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
    expect(platform.calls.filter((c) => c.msg.state === "success")).toHaveLength(50);
  });

  it("honours a 429 by pausing and retrying, never losing the final state", async () => {
    const platform = new StrictPlatform(1000, 1000, 3);
    const t = new ThrottledNotifier(platform, { perMessageMs: 1, bucketOf: (c) => c.channel, capacity: 50, refillMs: 1 });
    const ref = await t.post({ platform: "discord", channel: "1" }, running(0));
    await t.edit(ref, done);
    expect(t.stats.rateLimited).toBe(3);
    expect(platform.calls.at(-1)!.msg.state).toBe("success");
  });

  it("sends a queued post ahead of queued edits (a job waits for its first post before it changes anything), and passes its key on", async () => {
    const order: string[] = [];
    const keys: (string | undefined)[] = [];
    const inner: Notifier = {
      post: async (t, m, o) => (order.push(`post:${m.title}`), keys.push(o?.key), { ...t, messageId: m.title }),
      edit: async (_r, m) => void order.push(`edit:${m.title}`),
    };
    const t = new ThrottledNotifier(inner, { perMessageMs: 0, bucketOf: () => "workspace", capacity: 1, refillMs: 40 });
    const ch: ChannelRef = { platform: "slack", channel: "C1" };
    const ref = (id: string): MessageRef => ({ ...ch, messageId: id });
    await Promise.all([
      t.edit(ref("a"), { title: "e1", state: "running" }),
      t.edit(ref("b"), { title: "e2", state: "running" }),
      t.edit(ref("c"), { title: "e3", state: "running" }),
      t.post(ch, { title: "p", state: "queued" }, { key: "labops-job1" }),
    ]);
    expect(order).toEqual(["edit:e1", "post:p", "edit:e2", "edit:e3"]);
    expect(keys).toEqual(["labops-job1"]);
  });
});

