import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createWorker } from "../../src/queue/create-worker.ts";
import { JobQueue } from "../../src/queue/job-queue.ts";
import { defineProcessor } from "../../src/queue/processor.ts";
import { createRedis } from "../../src/queue/redis.ts";
import { SYSTEMS, type System } from "../../src/queue/systems.ts";
import { createHarness, REDIS_URL, type Harness } from "../helpers/harness.ts";

/** The worker checks a processor's `needs` once, before its job waits for a target, and hands it only the systems it declared. */
describe("processors declare the systems they need", () => {
  let h: Harness;
  beforeAll(async () => {
    // TrueNAS and Proxmox are not configured in this labops; AAP and Nautobot are.
    h = await createHarness({ tweak: (c) => { c.truenas = undefined; c.proxmox = undefined; } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("a job that needs a system that is not configured fails at once with one message naming it, touches nothing and frees its target", async () => {
    const ack = await h.run("/cleanup-ocp");
    expect(ack.state).toBe("queued");
    const final = await h.notifier.final(ack.jobId!);
    expect(final).toMatchObject({ state: "failure", title: "Clean up OCP folders: preview" });
    expect(final.lines).toEqual([`Job \`${ack.jobId}\` was not started: TrueNAS is not configured in this labops (set TRUENAS_URL and TRUENAS_API_KEY).`]);
    expect(h.lab.truenas.calls()).toEqual([]);
    // The job never took the share's lock: the next one is refused the same way, not queued behind it.
    const again = await h.notifier.final((await h.run("/cleanup-ocp")).jobId!);
    expect(again.lines?.[0]).toMatch(/was not started: TrueNAS is not configured/);
    const status = await h.run("/runner status");
    const runners = await h.notifier.final(status.jobId!);
    expect(runners.lines).toEqual([`Job \`${status.jobId}\` was not started: Proxmox is not configured in this labops (set PROXMOX_URL and PROXMOX_TOKEN).`]);
  });

  it("a processor's run sees the systems it needs or uses, and no other", async () => {
    const seen: string[][] = [];
    const probe = defineProcessor({
      name: "gitops.status",
      needs: [],
      uses: ["aap"],
      title: () => "probe",
      async run(ctx) {
        seen.push(Object.keys(ctx.deps).filter((k): k is System => k in SYSTEMS && ctx.deps[k as keyof typeof ctx.deps] !== undefined));
        return { outcome: "success", message: { title: "probe", state: "success" } };
      },
    });
    const connection = createRedis(REDIS_URL, "worker");
    // A second worker on another prefix, with the harness's dependencies (AAP and Nautobot configured).
    const prefix = `${h.config.redis.prefix}-probe`;
    const worker = createWorker({ connection, prefix, processors: [probe], deps: h.labops.workerDeps });
    try {
      const q = new JobQueue(h.labops.redis, { prefix, attempts: 1 });
      const { jobId } = await q.enqueue("gitops.status", { command: "gitops status", args: {}, actor: h.admin, channel: h.channel, requestId: randomUUID(), enqueuedAt: Date.now() });
      expect((await h.notifier.final(jobId)).state).toBe("success");
      expect(seen).toEqual([["aap"]]);
      expect(h.labops.workerDeps.nautobot).toBeDefined();
      await q.queue.obliterate({ force: true });
      await q.close();
    } finally {
      await worker.close();
      connection.disconnect();
    }
  });
});
