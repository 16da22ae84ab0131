import { describe, expect, it } from "vitest";
import { ProgressMessage } from "../../src/queue/progress-message.ts";
import { createLogger } from "../../src/logger.ts";
import { LogCapture } from "../helpers/harness.ts";
import { RecordingNotifier } from "../helpers/recording-notifier.ts";
import type { Message } from "../../src/core/message.ts";

const log = createLogger({ destination: new LogCapture() });
const msg = (n: number, state: Message["state"] = "running"): Message => ({ title: "t", state, lines: [`step ${n}`] });

describe("ProgressMessage", () => {
  it("posts once, coalesces a burst of updates (latest wins) and always delivers the final state", async () => {
    const n = new RecordingNotifier();
    const p = new ProgressMessage({ notifier: n, channel: { platform: "terminal", channel: "c" }, minIntervalMs: 50, log });
    await p.start(msg(0, "queued"));
    const t0 = Date.now();
    for (let i = 1; i <= 100; i++) {
      p.update(msg(i));
      await new Promise((r) => setTimeout(r, 1));
    }
    await new Promise((r) => setTimeout(r, 60));
    await p.finish(msg(999, "success"));
    const elapsed = Date.now() - t0;
    expect(n.posts).toBe(1);
    const history = n.messages.get(p.ref!.messageId)!.history;
    // At most one edit per 50 ms, plus the final.
    expect(n.edits).toBeLessThanOrEqual(Math.ceil(elapsed / 50) + 1);
    expect(n.edits).toBeLessThan(20);
    expect(history.at(-1)!.lines).toEqual(["step 999"]);
    expect(history.at(-2)!.lines![0]).toMatch(/step (9\d|100)/); // the latest intermediate state was shown
  });

  it("continues an existing message instead of posting a new one", async () => {
    const n = new RecordingNotifier();
    const ref = await n.post({ platform: "terminal", channel: "c" }, msg(0));
    const p = new ProgressMessage({ notifier: n, channel: ref, ref, minIntervalMs: 10, log });
    await p.finish(msg(1, "success"));
    expect(n.posts).toBe(1);
    expect(n.latest(ref.messageId)!.state).toBe("success");
  });

  it("retries the final state when the platform fails", async () => {
    const n = new RecordingNotifier();
    let failures = 2;
    const flaky = {
      post: n.post.bind(n),
      edit: async (ref: Parameters<typeof n.edit>[0], m: Message) => {
        if (failures-- > 0) throw new Error("platform down");
        return n.edit(ref, m);
      },
    };
    const p = new ProgressMessage({ notifier: flaky, channel: { platform: "terminal", channel: "c" }, minIntervalMs: 1, log });
    await p.start(msg(0));
    await p.finish(msg(1, "failure"), { retries: 3 });
    expect(n.latest(p.ref!.messageId)!.state).toBe("failure");
  });

  it("never sends an edit whose content equals what the message already shows", async () => {
    const n = new RecordingNotifier();
    const p = new ProgressMessage({ notifier: n, channel: { platform: "terminal", channel: "c" }, minIntervalMs: 1, log });
    await p.start(msg(0, "waiting"));
    for (let i = 0; i < 30; i++) {
      await p.now(msg(0, "waiting")); // what a waiting job re-sends today on every re-check
      p.update(msg(0, "waiting"));
      await new Promise((r) => setTimeout(r, 3));
    }
    await p.now(msg(1));
    await p.now(msg(1));
    await p.finish(msg(1, "success"));
    const history = n.messages.get(p.ref!.messageId)!.history;
    expect(history.map((m) => `${m.state}:${m.lines![0]}`)).toEqual(["waiting:step 0", "running:step 1", "success:step 1"]);
    for (let i = 1; i < history.length; i++) expect(JSON.stringify(history[i])).not.toBe(JSON.stringify(history[i - 1]));
    expect(p.unchanged).toBeGreaterThanOrEqual(61);
  });
});
