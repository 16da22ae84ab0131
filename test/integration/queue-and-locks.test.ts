import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { JobQueue, QueueUnavailableError } from "../../src/queue/job-queue.ts";
import { createRedis } from "../../src/queue/redis.ts";
import { freePort } from "../../lab/private-redis.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const payload = (requestId: string) => ({
  command: "deploy", args: { app: "traefik" }, actor: { platform: "terminal" as const, id: "t", name: "t", groups: [] },
  channel: { platform: "terminal" as const, channel: "c" }, requestId, enqueuedAt: Date.now(),
});

describe("queue: duplicates, Redis down, locks", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ startWorker: false });
  });
  afterAll(async () => {
    await h.close();
  });

  it("makes exactly one job from a request delivered 200 times at once", async () => {
    const requestId = `slack:${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 200 }, () => h.labops.queue.enqueue("aap.deploy", payload(requestId))));
    expect(new Set(results.map((r) => r.jobId)).size).toBe(1);
    expect(results.filter((r) => !r.duplicate)).toHaveLength(1);
    expect(await h.labops.queue.queue.count()).toBe(1);
    await h.labops.queue.queue.obliterate({ force: true });
  });

  it("tells the person within a second when Redis does not answer, and queues nothing", async () => {
    const port = await freePort();
    const dead = createRedis(`redis://127.0.0.1:${port}`, "producer");
    dead.on("error", () => {});
    const q = new JobQueue(dead, { prefix: "dead", attempts: 1 });
    const t0 = Date.now();
    await expect(q.enqueue("aap.deploy", payload(randomUUID()))).rejects.toBeInstanceOf(QueueUnavailableError);
    expect(Date.now() - t0).toBeLessThan(1_000);
    const ack = await dispatchCommand({ ...h.labops.ack, jobs: q }, { root: "deploy", text: "traefik", actor: h.admin, channel: h.channel, requestId: randomUUID() });
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(renderText(ack)).toContain("The job queue is unavailable");
    await q.close();
    dead.disconnect();
  });

  it("runs one job per target at a time; the second waits in line and says behind which job", async () => {
    h.labops.startWorker();
    const a = await h.run("/deploy traefik");
    const b = await h.run("/deploy traefik --check");
    const c = await h.run("/deploy grafana");
    // Sample what matters: AAP jobs for traefik that are running at the same time (BullMQ's "active"
    // also counts a job for the instant it checks the lock before going back to wait).
    let maxActiveTraefik = 0;
    const sampler = setInterval(() => {
      const live = h.lab.aap.launches().filter((l) => l.extraVars.app === "traefik")
        .map((l) => h.lab.aap.job(l.jobId)!).filter((j) => !["successful", "failed", "error", "canceled"].includes(j.status));
      maxActiveTraefik = Math.max(maxActiveTraefik, live.length);
    }, 5);
    const [fa, fb, fc] = await Promise.all([h.notifier.final(a.jobId!), h.notifier.final(b.jobId!), h.notifier.final(c.jobId!)]);
    clearInterval(sampler);
    expect([fa.state, fb.state, fc.state]).toEqual(["success", "success", "success"]);
    expect(maxActiveTraefik).toBe(1);
    const lines = h.notifier.forJob(b.jobId!)!.history.flatMap((x) => x.lines ?? []);
    expect(lines).toContain(`Job \`${b.jobId}\` is waiting for \`app:traefik\`: behind job \`${a.jobId}\`, position 1 in line.`);
    // The worker frees the lock just after it posts the final message: every lock is free within a moment.
    expect(await waitUntil(async () => (await h.labops.ack.locks.list()).length === 0, 5_000, "every lock freed")).toBe(true);
  });

  it("denies by default: a Slack user with no grant is refused and nothing is queued", async () => {
    const before = await h.labops.queue.queue.count();
    const ack = await h.run("/deploy traefik", { platform: "slack", id: "U999", name: "mallory", groups: [] });
    expect(ack.state).toBe("failure");
    expect(renderText(ack)).toContain("needs the operator role");
    expect(await h.labops.queue.queue.count()).toBe(before);
  });
});
