import { randomUUID } from "node:crypto";
import { Queue, Worker } from "bullmq";
import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops } from "../src/create-labops.ts";
import { createWorker } from "../src/queue/create-worker.ts";
import { jobIdFor } from "../src/queue/job-queue.ts";
import { defineProcessor } from "../src/queue/processor.ts";
import { createRedis } from "../src/queue/redis.ts";
import { benchConfig, benchPrefix, CountingNotifier, dropPrefix, fileLogger, payloadFor, type BenchSettings } from "./bench-env.ts";
import { atRate, summarize, waitUntil, type Summary } from "./stats.ts";

export interface EnqueueRun {
  target: "labops" | "bare";
  rate: number;
  jobs: number;
  /** Enqueue call → processor start, ms. */
  latency: Summary;
}

const now = () => performance.timeOrigin + performance.now();
const WARMUP = 20;

/**
 * Benchmark 2 (goal P4): enqueue → worker-start. labops: `JobQueue.enqueue` (request-id claim + add) →
 * createWorker's wrapper (payload check, per-target lock, first progress message posted and its ref
 * saved) → a tiny processor that records its start. Bare: `queue.add` → `Worker` processor. Same
 * process, same Redis, same concurrency (labops' default 20), idle workers between jobs. labops runs
 * with `limits.progressEditInterval` 0 so that a finished no-op job frees its slot at once.
 */
export async function runEnqueueLatency(s: BenchSettings, rates: number[], seconds: number): Promise<EnqueueRun[]> {
  const runs: EnqueueRun[] = [];
  for (const rate of rates) {
    runs.push(await labopsRun(s, rate, seconds));
    runs.push(await bareRun(s, rate, seconds));
  }
  return runs;
}

async function labopsRun(s: BenchSettings, rate: number, seconds: number): Promise<EnqueueRun> {
  const starts = new Map<string, number>();
  const sent = new Map<string, number>();
  // A real job name (job names are typed) with no arguments; the probe replaces its work and keys by job id.
  const probe = defineProcessor({
    name: "gitops.status",
    needs: [],
    title: () => "bench probe",
    async run(ctx) {
      starts.set(ctx.jobId, now() - (sent.get(ctx.jobId) ?? NaN));
      return { outcome: "success", message: { title: "bench probe", state: "success" } };
    },
  });
  const prefix = benchPrefix();
  const config = benchConfig(s.redisUrl, prefix);
  // Otherwise every job holds its worker slot for the 2 s final-edit spacing and 50/s overruns 20 slots (see benchmark 3).
  config.limits.progressEditInterval = 0;
  const notifiers = new NotifierRegistry().register("terminal", new CountingNotifier());
  const labops = createLabops({ config, log: fileLogger(s.dir, "enqueue-labops", config.secrets), notifiers });
  await labops.ready();
  const workerRedis = createRedis(s.redisUrl, "worker");
  const worker = createWorker({ connection: workerRedis, prefix, processors: [probe], deps: labops.workerDeps });
  await worker.worker.waitUntilReady();
  try {
    const count = Math.round(rate * seconds);
    const ids: string[] = [];
    await atRate(rate, WARMUP + count, async (i) => {
      const payload = payloadFor("bench", {}, { lockKey: `bench:${randomUUID()}` });
      const id = jobIdFor(payload.requestId);
      if (i >= WARMUP) ids.push(id);
      sent.set(id, now());
      await labops.queue.enqueue("gitops.status", payload);
    });
    await waitUntil(() => ids.every((id) => starts.has(id)), 30_000);
    return { target: "labops", rate, jobs: ids.length, latency: summarize(ids.map((id) => starts.get(id)).filter((v): v is number => v !== undefined)) };
  } finally {
    await worker.close();
    workerRedis.disconnect();
    await dropPrefix(labops.redis, labops.queue.queue, prefix);
    await labops.close();
  }
}

async function bareRun(s: BenchSettings, rate: number, seconds: number): Promise<EnqueueRun> {
  const prefix = benchPrefix();
  const producer = createRedis(s.redisUrl, "producer");
  const queue = new Queue("jobs", { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true, removeOnFail: true } });
  const starts = new Map<string, number>();
  const workerRedis = createRedis(s.redisUrl, "worker");
  const worker = new Worker("jobs", async (job) => {
    const d = job.data as { t0: number; id: string };
    starts.set(d.id, now() - d.t0);
  }, { connection: workerRedis, prefix, concurrency: 20 });
  await worker.waitUntilReady();
  try {
    const count = Math.round(rate * seconds);
    const ids: string[] = [];
    await atRate(rate, WARMUP + count, async (i) => {
      const id = randomUUID();
      if (i >= WARMUP) ids.push(id);
      await queue.add("noop", { t0: now(), id });
    });
    await waitUntil(() => ids.every((id) => starts.has(id)), 30_000);
    return { target: "bare", rate, jobs: ids.length, latency: summarize(ids.map((id) => starts.get(id)).filter((v): v is number => v !== undefined)) };
  } finally {
    await worker.close();
    workerRedis.disconnect();
    await dropPrefix(producer, queue, prefix);
    await queue.close();
    producer.disconnect();
  }
}
