import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { createLogger } from "../../src/logger.ts";
import { CrashLab, type WorkerChild } from "../helpers/crash-harness.ts";
import { LogCapture } from "../helpers/harness.ts";

const APPS = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "vaultwarden"];
/** Deploys per round; the long version (more deploys, more apps) is `npm run bench`. */
const PER_ROUND = Number(process.env.MULTI_DEPLOYS ?? 24);
/** Jobs each worker process runs at once: low, so a round is bound by worker capacity rather than by the chat or the app locks. */
const CONCURRENCY = Number(process.env.MULTI_CONCURRENCY ?? 2);
/** MULTI_BENCH=1 (set by `npm run bench`): also time the round on one worker. */
const BENCH = process.env.MULTI_BENCH === "1";

/**
 * Several processes on one Redis: two bot instances take the commands (alternately) and worker processes run them.
 * No AAP job is launched twice, no two jobs of one app run at once, every job's final message arrives once, and
 * both worker processes take jobs. How much faster two workers are than one is a benchmark (npm run bench), not
 * a timed test.
 */
describe("two bots and two worker processes against one Redis", () => {
  let crash: CrashLab;
  let bot2: Labops;

  beforeAll(async () => {
    crash = await CrashLab.start({ lab: { stepMs: 25 }, pollMs: 25, progressEditMs: 100 });
    bot2 = createLabops({ config: crash.config, log: createLogger({ level: "warn", destination: new LogCapture() }), probe: crash.lab.probe });
    await bot2.ready();
  }, 30_000);
  afterAll(async () => {
    await bot2?.close();
    await crash?.stopAll();
    await crash?.close();
  });

  /** One round: PER_ROUND deploys across the apps, sent through both bots in turn; resolves with its wall time. */
  async function round(): Promise<{ seconds: number; jobIds: string[] }> {
    const bots = [crash.labops, bot2];
    const t0 = performance.now();
    const acks = await Promise.all(Array.from({ length: PER_ROUND }, (_, i) =>
      dispatchCommand(bots[i % 2]!.ack, { root: "deploy", text: APPS[i % APPS.length]!, actor: crash.admin, channel: crash.channel, requestId: randomUUID() })));
    for (const a of acks) expect(a.state, renderText(a)).toBe("queued");
    const jobIds = acks.map((a) => a.jobId!);
    for (const id of jobIds) expect((await crash.final(id, 60_000)).entries.at(-1)!.msg.state).toBe("success");
    return { seconds: (performance.now() - t0) / 1000, jobIds };
  }

  function checkRound(jobIds: string[]): void {
    // Every final message once.
    for (const id of jobIds) {
      const finals = crash.book.refresh().forJob(id).flatMap((m) => crash.book.finals(m));
      expect(finals, `job ${id}`).toHaveLength(1);
    }
    // One AAP launch per deploy, never two.
    const launches = crash.launchesByCorrelation("Master Deploy");
    expect([...launches.values()].every((n) => n === 1)).toBe(true);
    // An app's lock is never shared: AAP never ran two jobs of one app at once.
    for (const app of APPS) expect(crash.lab.aap.maxConcurrent("Master Deploy", app), app).toBeLessThanOrEqual(1);
  }

  it(`runs ${PER_ROUND} deploys sent through two bots on two worker processes: each launched once, one job per app at a time, one final each`, async () => {
    const w1 = crash.spawnWorker({ concurrency: CONCURRENCY });
    await w1.ready;
    // The long version (npm run bench) times the same round on one worker first, for the speedup of a second one.
    const one = BENCH ? await round() : undefined;
    if (one) checkRound(one.jobIds);
    const w2: WorkerChild = crash.spawnWorker({ concurrency: CONCURRENCY });
    await w2.ready;
    const two = await round();
    checkRound(two.jobIds);
    expect(crash.launchesByCorrelation("Master Deploy").size).toBe((one ? 2 : 1) * PER_ROUND);
    // Both worker processes took part.
    const posters = new Set(two.jobIds.flatMap((id) => crash.book.forJob(id).flatMap((m) => m.entries.map((e) => e.child))));
    expect([...posters].sort()).toEqual([w1.label, w2.label].sort());
    if (one) console.log(`MULTI_PROCESS ${JSON.stringify({ deploys: PER_ROUND, apps: APPS.length, concurrency: CONCURRENCY, oneWorkerS: one.seconds, twoWorkersS: two.seconds, speedup: one.seconds / two.seconds })}`);
  }, 180_000);
});
