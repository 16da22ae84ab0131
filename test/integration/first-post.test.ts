import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelRef, MessageRef } from "../../src/core/actor.ts";
import type { Message } from "../../src/core/message.ts";
import type { Notifier, PostOptions } from "../../src/core/notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/** A chat platform whose posts take `postMs` (pacing, a slow round trip): the recording happens when the post returns. */
class SlowPosts implements Notifier {
  keys: (string | undefined)[] = [];
  constructor(private readonly inner: Notifier, private readonly postMs: number) {}
  async post(target: ChannelRef, msg: Message, opts?: PostOptions): Promise<MessageRef> {
    this.keys.push(opts?.key);
    await new Promise((r) => setTimeout(r, this.postMs));
    return this.inner.post(target, msg);
  }
  edit(ref: MessageRef, msg: Message): Promise<void> {
    return this.inner.edit(ref, msg);
  }
}

/**
 * Finding 10: the job's first chat message exists, and its reference is saved in the job, before the job's
 * first side effect (the AAP launch POST), however slowly the platform answers the post.
 */
describe("first chat post before the first side effect", () => {
  let h: Harness;
  let slow: SlowPosts;
  beforeAll(async () => {
    h = await createHarness();
    slow = new SlowPosts(h.notifier, 400);
    h.labops.notifiers.register("terminal", slow);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a deploy's launch POST reaches AAP only after its message was posted and its reference saved", async () => {
    let atLaunch: Promise<{ posted: boolean; saved: boolean }> | undefined;
    let jobId = "";
    h.lab.aap.http.inject({
      method: "POST", path: /\/job_templates\/\d+\/launch\/$/, times: 1,
      onMatch: () => {
        const posted = h.notifier.forJob(jobId) !== undefined;
        atLaunch = h.labops.queue.queue.getJob(jobId).then((j) => ({ posted, saved: (j?.data as { state?: { progressRef?: unknown } }).state?.progressRef !== undefined }));
      },
    });
    const ack = await h.run("/deploy traefik");
    jobId = ack.jobId!;
    const final = await h.notifier.final(jobId);
    expect(final.state).toBe("success");
    expect(await atLaunch).toEqual({ posted: true, saved: true });
    // One message, posted with the job's key (the Discord nonce).
    expect(slow.keys).toContain(`labops-${jobId}`);
    expect([...h.notifier.messages.values()].filter((m) => (m.history[0]?.lines ?? []).some((l) => l.includes(jobId)))).toHaveLength(1);
  });

  it("a job's read-only work does not wait for its post: /runner status reads Proxmox while its first post is still under way", async () => {
    let firstRead = 0;
    // (/app list answers at acknowledgement from the app_list copy once it is loaded; /runner status is always a job.)
    h.lab.proxmox.http.inject({ method: "GET", path: /.*/, times: 1, onMatch: () => (firstRead = Date.now()) });
    const ack = await h.run("/runner status");
    expect(ack.jobId, "/runner status is queued").toBeDefined();
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    const posted = h.notifier.calls.find((c) => c.kind === "post" && (c.msg.lines ?? []).some((l) => l.includes(ack.jobId!)))!;
    expect(firstRead).toBeGreaterThan(0);
    expect(firstRead).toBeLessThan(posted.t); // the post returned (400 ms) after the read had started
  });
});
