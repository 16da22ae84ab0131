import { Queue } from "bullmq";
import { createLab } from "../lab/create-lab.ts";
import { JobQueue } from "../src/queue/job-queue.ts";
import { createRedis } from "../src/queue/redis.ts";
import { benchPrefix, dropPrefix, payloadFor, type BenchSettings } from "./bench-env.ts";
import { forkChild, type ChildHealth } from "./child.ts";
import { APPS } from "./throughput.ts";
import { atRate, MiB, sleep, waitUntil } from "./stats.ts";
import type { WorkerServerSpec } from "./worker-server.ts";

export interface MemoryRun {
  target: "labops worker" | "bare BullMQ worker" | "idle node --import tsx";
  restMiB: number;
  loadMaxMiB: number;
  /** RSS 2 s after the last job finished. */
  afterMiB: number;
  jobs: number;
  rate: number;
  done: number;
  /** Event-loop delay p99 of the process while the jobs ran, ms. */
  loopP99Ms: number;
}

/**
 * Benchmark 5 (goal P7), worker side: RSS of a labops worker process (deploy jobs against instant fakes)
 * and of a bare BullMQ worker process (no-op jobs), at rest and while jobs arrive at `rate`/s for
 * `seconds`. The bot side is sampled in benchmark 1 (labops bot vs bare Bolt).
 */
export async function runMemory(s: BenchSettings, rate: number, seconds: number): Promise<MemoryRun[]> {
  const lab = await createLab({ stepMs: 1 });
  try {
    return [
      await oneRun(s, "labops", lab.env, rate, seconds),
      await oneRun(s, "bare", lab.env, rate, seconds),
      await idleFloor(s),
    ];
  } finally {
    await lab.close();
  }
}

/** RSS of a child that loads nothing but the IPC helper: what `node --import tsx` costs before any code. */
async function idleFloor(s: BenchSettings): Promise<MemoryRun> {
  const spec: WorkerServerSpec = { redisUrl: s.redisUrl, prefix: "unused", labEnv: {}, dir: s.dir };
  const child = await forkChild(new URL("./worker-server.ts", import.meta.url), ["idle", JSON.stringify(spec)]);
  try {
    await sleep(2_000);
    const h = await child.ask<ChildHealth>("health");
    return { target: "idle node --import tsx", restMiB: MiB(h.rss), loadMaxMiB: Number.NaN, afterMiB: Number.NaN, jobs: 0, rate: 0, done: 0, loopP99Ms: h.loopP99Ms };
  } finally {
    await child.stop();
  }
}

async function oneRun(s: BenchSettings, kind: "labops" | "bare", labEnv: Record<string, string>, rate: number, seconds: number): Promise<MemoryRun> {
  const spec: WorkerServerSpec = { redisUrl: s.redisUrl, prefix: benchPrefix(), labEnv, dir: s.dir };
  const child = await forkChild(new URL("./worker-server.ts", import.meta.url), [kind, JSON.stringify(spec)]);
  const producer = createRedis(s.redisUrl, "producer");
  const jobs = new JobQueue(producer, { prefix: spec.prefix, attempts: 3 });
  const bare = new Queue("jobs", { connection: producer, prefix: spec.prefix, defaultJobOptions: { removeOnComplete: true } });
  const rss = async () => (await child.ask<ChildHealth>("health")).rss;
  try {
    await sleep(3_000);
    const restMiB = MiB(Math.max(await rss(), (await sleep(500), await rss())));
    await child.ask("health", { resetLoop: true });
    let max = 0;
    const sampler = setInterval(() => void rss().then((v) => (max = Math.max(max, v)), () => {}), 250);
    const n = Math.round(rate * seconds);
    await atRate<unknown>(rate, n, (i) =>
      kind === "labops"
        ? jobs.enqueue("aap.deploy", payloadFor("deploy", { app: APPS[i % APPS.length]!, check: false }, { lockKey: `bench:${i}` }))
        : bare.add("noop", { i }));
    let done = 0;
    await waitUntil(async () => (done = await child.ask<number>("done")) >= n, 60_000, 100);
    clearInterval(sampler);
    const loop = await child.ask<ChildHealth>("health", { resetLoop: true });
    await sleep(2_000);
    return {
      target: kind === "labops" ? "labops worker" : "bare BullMQ worker", restMiB, loadMaxMiB: MiB(Math.max(max, loop.rss)),
      afterMiB: MiB(await rss()), jobs: n, rate, done, loopP99Ms: loop.loopP99Ms,
    };
  } finally {
    await child.stop();
    await dropPrefix(producer, jobs.queue, spec.prefix);
    await bare.close();
    await jobs.close();
    producer.disconnect();
  }
}
