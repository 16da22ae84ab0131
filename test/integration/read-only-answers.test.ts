import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText, type Message } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/**
 * Read-only commands answer in one private message at acknowledgement: no job, nothing posted in the
 * channel (before, `/labops runner status` gave a private "queued", then a channel post, then its edit).
 */
describe("read-only commands answer in one private message", () => {
  let h: Harness;
  let deployJob = "";
  beforeAll(async () => {
    h = await createHarness({ lab: { stepMs: 5 }, tweak: (c) => (c.gitops.channel = "terminal:terminal") });
    const ack = await h.run("/deploy traefik --check");
    await h.notifier.final(ack.jobId!);
    deployJob = ack.jobId!;
    await h.labops.lookups.refresh(); // the background read every front end starts
  });
  afterAll(() => h?.close());

  const once = async (line: string): Promise<Message> => {
    const posts = h.notifier.posts;
    const edits = h.notifier.edits;
    const jobs = (await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed"));
    const reply = await h.run(line);
    await new Promise((r) => setTimeout(r, 150)); // a queued job would have posted by now
    expect(reply.ephemeral, line).toBe(true);
    expect(reply.jobId, line).toBeUndefined();
    expect(reply.state, line).not.toBe("failure");
    expect(h.notifier.posts, `${line}: nothing posted in the channel`).toBe(posts);
    expect(h.notifier.edits, line).toBe(edits);
    expect(await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed"), `${line}: no job`).toEqual(jobs);
    return reply;
  };

  it("/labops runner status, from the containers read in the background, with their age", async () => {
    const r = await once("/labops runner status");
    expect(r.title).toBe("Runners: 1 (1 running)");
    expect(renderText(r)).toMatch(/`runner01` · CT 161 on pve02 · running · up \d+ d/);
    expect(r.footer).toMatch(/^As of \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC \(read every 5 min\)$/);
  });

  it("/labops alerts list, /labops schedule list and /labops gitops status, from Redis", async () => {
    expect((await once("/labops alerts list")).title).toBe("Alert mutes (0)");
    expect((await once("/labops schedule list")).title).toBe("Schedules (0)");
    expect(renderText(await once("/labops gitops status"))).toContain("watching `main`");
  });

  it("/labops status, /labops history, /labops job and /labops app list, as before", async () => {
    expect((await once("/labops status")).title).toBe("labops status");
    expect(renderText(await once("/labops history traefik"))).toContain("/deploy traefik --check");
    expect(renderText(await once(`/labops job ${deployJob}`))).toContain(deployJob);
    expect((await once("/labops app list")).title).toMatch(/^Apps in app_list: \d+$/);
  });

  it("/runner status before the first background read is a job that reads Proxmox", async () => {
    const fresh = await createHarness({ lab: { stepMs: 5 } });
    try {
      const ack = await fresh.run("/runner status");
      expect(ack.jobId).toBeDefined();
      expect((await fresh.notifier.final(ack.jobId!)).title).toBe("Runners: 1 (1 running)");
    } finally {
      await fresh.close();
    }
  });
});
