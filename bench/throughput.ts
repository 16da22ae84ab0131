import { Queue, Worker } from "bullmq";
import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops } from "../src/create-labops.ts";
import { createLab } from "../lab/create-lab.ts";
import { createRedis } from "../src/queue/redis.ts";
import { benchConfig, benchPrefix, CountingNotifier, dropPrefix, fileLogger, payloadFor, type BenchSettings } from "./bench-env.ts";
import { summarize, waitUntil, type Summary } from "./stats.ts";

export const APPS = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "nextcloud", "vaultwarden"];

export interface ThroughputRun {
  variant: string;
  jobs: number;
  /** Jobs whose final message arrived (success or failure: nextcloud is set up to fail in the lab). */
  finished: number;
  failed: number;
  seconds: number;
  perSecond: number;
  /** Enqueue → final message, ms. */
  latency: Summary;
  /** Chat calls (post + edits) per job, mean. */
  chatCallsPerJob: number;
  /** AAP API requests per job, mean. */
  aapRequestsPerJob: number;
}

export interface BareThroughput {
  jobs: number;
  seconds: number;
  perSecond: number;
}

/**
 * Benchmark 3 (goal P5 in miniature): deploy jobs end to end with instant fakes (lab stepMs 1, AAP poll
 * 5 ms): N jobs enqueued at once, each with its own target lock (as /deploy of N different apps would
 * be; deploys of one app are serialised by design), until every final message is delivered.
 */
export async function runThroughput(s: BenchSettings, jobs: { defaults: number; compressed: number }): Promise<ThroughputRun[]> {
  const lab = await createLab({ stepMs: 1 });
  try {
    return [
      await oneRun(s, lab, "production defaults (progressEditInterval 2 s)", jobs.defaults, undefined),
      await oneRun(s, lab, "progressEditInterval 20 ms", jobs.compressed, 20),
    ];
  } finally {
    await lab.close();
  }
}

async function oneRun(s: BenchSettings, lab: Awaited<ReturnType<typeof createLab>>, variant: string, n: number, editMs: number | undefined): Promise<ThroughputRun> {
  const prefix = benchPrefix();
  const config = benchConfig(s.redisUrl, prefix, lab.env);
  config.aapSettings.pollInterval = 5;
  if (editMs !== undefined) config.limits.progressEditInterval = editMs;
  const chat = new CountingNotifier();
  const labops = createLabops({ config, log: fileLogger(s.dir, "throughput", config.secrets), notifiers: new NotifierRegistry().register("terminal", chat), probe: lab.probe });
  await labops.ready();
  labops.startWorker();
  await labops.worker!.worker.waitUntilReady();
  let aapRequests = 0;
  const count = () => aapRequests++;
  lab.aap.http.server().on("request", count);
  try {
    const enqueuedAt = new Map<string, number>();
    const t0 = performance.now();
    await Promise.all(Array.from({ length: n }, async (_, i) => {
      const at = performance.now();
      const { jobId } = await labops.queue.enqueue("aap.deploy", payloadFor("deploy", { app: APPS[i % APPS.length]!, check: false }, { lockKey: `bench:${i}` }));
      enqueuedAt.set(jobId, at);
    }));
    await waitUntil(() => chat.finals.size >= n, 120_000, 50);
    const last = Math.max(...[...chat.finals.values()].map((f) => f.at));
    const seconds = (last - t0) / 1000;
    const latencies = [...chat.finals].map(([id, f]) => f.at - (enqueuedAt.get(id) ?? t0));
    const calls = [...chat.callsByJob.values()];
    return {
      variant, jobs: n, finished: chat.finals.size, failed: [...chat.finals.values()].filter((f) => f.state !== "success").length,
      seconds, perSecond: chat.finals.size / seconds, latency: summarize(latencies),
      chatCallsPerJob: calls.reduce((a, b) => a + b, 0) / Math.max(1, calls.length), aapRequestsPerJob: aapRequests / n,
    };
  } finally {
    lab.aap.http.server().off("request", count);
    await labops.worker?.close(); // first, so nothing writes under the prefix after it is dropped
    await dropPrefix(labops.redis, labops.queue.queue, prefix);
    await labops.close();
  }
}

/** The baseline: bare BullMQ no-op jobs (addBulk), drained by one Worker at the same concurrency (20). */
export async function runBareThroughput(s: BenchSettings, n: number): Promise<BareThroughput> {
  const prefix = benchPrefix();
  const producer = createRedis(s.redisUrl, "producer");
  const queue = new Queue("jobs", { connection: producer, prefix, defaultJobOptions: { removeOnComplete: true } });
  try {
    for (let i = 0; i < n; i += 500) await queue.addBulk(Array.from({ length: Math.min(500, n - i) }, (_, k) => ({ name: "noop", data: { i: i + k } })));
    let done = 0;
    const conn = createRedis(s.redisUrl, "worker");
    const t0 = performance.now();
    const worker = new Worker("jobs", async () => {}, { connection: conn, prefix, concurrency: 20 });
    worker.on("completed", () => done++);
    await waitUntil(() => done >= n, 120_000, 5);
    const seconds = (performance.now() - t0) / 1000;
    await worker.close();
    conn.disconnect();
    return { jobs: n, seconds, perSecond: done / seconds };
  } finally {
    await dropPrefix(producer, queue, prefix);
    await queue.close();
    producer.disconnect();
  }
}
