import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient, TERMINAL_JOB_STATUSES } from "../../src/clients/aap.ts";
import { createLogger } from "../../src/logger.ts";
import { AapJobWatcher } from "../../src/queue/aap-job-watcher.ts";
import { FakeAap } from "../../lab/aap/fake-aap.ts";
import { LogCapture } from "../helpers/harness.ts";

describe("AapJobWatcher: all followed jobs in one poll", () => {
  let fake: FakeAap;
  let aap: AapClient;
  beforeAll(async () => {
    fake = new FakeAap({ stepMs: 40 });
    aap = new AapClient({ url: await fake.start(), token: fake.token });
  });
  afterAll(async () => {
    await fake.close();
  });

  it("follows 20 jobs to the end with about 1 + budget requests per poll, not 2 per job", async () => {
    const template = await aap.findJobTemplate("Master Deploy");
    const jobs = await Promise.all(Array.from({ length: 20 }, (_, i) => aap.launch(template.id, { extra_vars: { app: ["grafana", "portainer", "uptime-kuma"][i % 3] }, limit: "docker01" })));
    const watcher = new AapJobWatcher(aap, { intervalMs: 30, eventBudget: 4, log: createLogger({ destination: new LogCapture() }) });
    const before = fake.http.requests.length;
    const signal = new AbortController().signal;
    const outcomes = await Promise.all(jobs.map(async ({ jobId }) => {
      let after = 0;
      let events = 0;
      for (;;) {
        const r = await watcher.next(jobId, after, signal);
        events += r.events.length;
        after = Math.max(after, ...r.events.map((e) => e.counter));
        if (TERMINAL_JOB_STATUSES.includes(r.job.status) && r.job.event_processing_finished) return { status: r.job.status, events };
      }
    }));
    watcher.stop();
    const requests = fake.http.requests.length - before;
    expect(outcomes.every((o) => o.status === "successful")).toBe(true);
    // Every event of every job was delivered.
    for (const [i, o] of outcomes.entries()) expect(o.events, `job ${i}`).toBe(fake.job(jobs[i]!.jobId)!.events);
    const perTick = requests / watcher.stats.ticks;
    console.log(`20 jobs: ${watcher.stats.ticks} polls, ${requests} requests (${perTick.toFixed(1)} per poll; polling each job alone would be 40 per poll)`);
    expect(watcher.stats.listRequests).toBe(watcher.stats.ticks);
    expect(perTick).toBeLessThan(20);
  });
});
