import { randomUUID } from "node:crypto";
import { dispatchCommand } from "../src/core/dispatch.ts";
import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops, type Labops } from "../src/create-labops.ts";
import { createLab } from "../lab/create-lab.ts";
import { benchConfig, benchPrefix, CountingNotifier, dropPrefix, fileLogger, payloadFor, TERMINAL, TERMINAL_ADMIN, type BenchSettings } from "./bench-env.ts";
import { summarize, type Summary } from "./stats.ts";

export interface ScaleRun {
  /** /status p50/p99 with an empty queue (the baseline) and with `depth` jobs waiting. */
  statusEmpty: Summary;
  statusDeep: Summary;
  depth: number;
  /** Redis memory per queued job, bytes (used_memory before and after queueing them). */
  bytesPerJob: number;
  /** /history unfiltered (reads the 20 newest) and filtered by a rare target, with the audit trail at its cap. */
  historyNewest: Summary;
  historyFiltered: Summary;
  auditEntries: number;
}

/** Benchmark 8: what grows with the work: /status at a deep queue, Redis memory per job, /history at the audit cap. */
export async function runScaleCost(s: BenchSettings, depth: number): Promise<ScaleRun> {
  const lab = await createLab({ stepMs: 1 });
  const prefix = benchPrefix();
  const config = benchConfig(s.redisUrl, prefix, lab.env, "bot");
  const labops = createLabops({ config, log: fileLogger(s.dir, "scale", config.secrets), notifiers: new NotifierRegistry().register("terminal", new CountingNotifier()), probe: lab.probe });
  try {
    await labops.ready();
    const statusEmpty = await timeCommand(labops, "status", "", 30);
    const mem0 = await usedMemory(labops);
    for (let i = 0; i < depth; i += 500) {
      await Promise.all(Array.from({ length: Math.min(500, depth - i) }, (_, j) =>
        labops.queue.enqueue("aap.deploy", payloadFor("deploy", { app: "traefik", check: false }, { lockKey: `bench:${i + j}` }))));
    }
    const bytesPerJob = (await usedMemory(labops) - mem0) / depth;
    const statusDeep = await timeCommand(labops, "status", "", 30);
    const cap = config.audit.maxEntries;
    const pipe = labops.redis.pipeline();
    for (let i = 0; i < cap; i++) pipe.xadd(`${prefix}:audit`, "*", "at", String(Date.now()), "event", "command", "command", "deploy", "target", `app:app${i % 50}`);
    await pipe.exec();
    for (let i = 0; i < 5; i++) await labops.ack.audit.record({ event: "command", command: "deploy", target: "app:vaultwarden", jobId: `v${i}` });
    const historyNewest = await timeCommand(labops, "history", "", 30);
    const historyFiltered = await timeCommand(labops, "history", "vaultwarden", 30);
    return { statusEmpty, statusDeep, depth, bytesPerJob, historyNewest, historyFiltered, auditEntries: cap + 5 };
  } finally {
    await dropPrefix(labops.redis, labops.queue.queue, prefix);
    await labops.close();
    await lab.close();
  }
}

async function timeCommand(labops: Labops, root: string, text: string, n: number): Promise<Summary> {
  const ms: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await dispatchCommand(labops.ack, { root, text, actor: TERMINAL_ADMIN, channel: TERMINAL, requestId: randomUUID() });
    ms.push(performance.now() - t0);
  }
  return summarize(ms);
}

async function usedMemory(labops: Labops): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await labops.redis.info("memory"))?.[1] ?? 0);
}
