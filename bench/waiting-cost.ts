import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops } from "../src/create-labops.ts";
import { createLab } from "../lab/create-lab.ts";
import { benchConfig, benchPrefix, CountingNotifier, dropPrefix, fileLogger, payloadFor, redisCommands, type BenchSettings } from "./bench-env.ts";
import { sleep, waitUntil } from "./stats.ts";

export interface WaitingRun {
  /** Deploys of one app queued behind the one that holds its lock. */
  waiters: number;
  windowSeconds: number;
  /** Waiters still waiting at the end of the window (should equal `waiters`). */
  stillWaiting: number;
  redisPerSecond: number;
  editsPerMinute: number;
  identicalPerMinute: number;
}

const SLACK_ACTOR = { platform: "slack" as const, id: "U0ALICE", name: "alice", groups: [] };
const SLACK_CHANNEL = { platform: "slack" as const, channel: "C0OPS" };

/**
 * Benchmark 6: the cost of waiting for a lock. One deploy of traefik holds `app:traefik` against a slow AAP job;
 * W more deploys of traefik wait behind it. During the window nothing changes for the waiters (the holder keeps
 * running), so every Redis command and chat edit beyond the holder's own is waste. Measured: Redis commands/s
 * (the server's own count), chat edits/min and the edits identical to the message already shown.
 */
export async function runWaitingCost(s: BenchSettings, levels: number[], windowSeconds: number): Promise<WaitingRun[]> {
  const lab = await createLab({ stepMs: 2_000, aap: { pendingMs: 45_000 } });
  try {
    const runs: WaitingRun[] = [];
    for (const w of levels) runs.push(await oneLevel(s, lab, w, windowSeconds));
    return runs;
  } finally {
    await lab.close();
  }
}

async function oneLevel(s: BenchSettings, lab: Awaited<ReturnType<typeof createLab>>, w: number, windowSeconds: number): Promise<WaitingRun> {
  const prefix = benchPrefix();
  const config = benchConfig(s.redisUrl, prefix, lab.env);
  config.limits.lockWaiters = Math.max(config.limits.lockWaiters, Math.min(1000, w));
  config.limits.workerConcurrency = Math.max(config.limits.workerConcurrency, 20);
  const chat = new CountingNotifier();
  const labops = createLabops({ config, log: fileLogger(s.dir, "waiting", config.secrets), notifiers: new NotifierRegistry().register("slack", chat), probe: lab.probe });
  await labops.ready();
  labops.startWorker();
  try {
    const before = lab.aap.launches().length;
    const deploy = () => labops.queue.enqueue("aap.deploy", payloadFor("deploy", { app: "traefik", check: false }, { lockKey: "app:traefik", actor: SLACK_ACTOR, channel: SLACK_CHANNEL }));
    await deploy();
    if (!(await waitUntil(() => lab.aap.launches().length - before >= 1, 30_000, 20))) throw new Error("the holder's AAP job did not launch");
    for (let i = 0; i < w; i += 50) await Promise.all(Array.from({ length: Math.min(50, w - i) }, deploy));
    // Every waiter has posted "waiting" and gone to sleep before the window opens.
    await waitUntil(() => chat.posts >= w + 1, 60_000, 50);
    await sleep(2_000);
    const r0 = await redisCommands(labops.redis);
    const e0 = chat.edits;
    const i0 = chat.identical;
    await sleep(windowSeconds * 1_000);
    const r1 = await redisCommands(labops.redis);
    const perMin = (n: number) => n / (windowSeconds / 60);
    const counts = await labops.queue.queue.getJobCounts("delayed", "waiting", "active");
    return {
      waiters: w, windowSeconds, stillWaiting: (counts.delayed ?? 0) + (counts.waiting ?? 0) + Math.max(0, (counts.active ?? 0) - 1),
      redisPerSecond: (r1 - r0 - 3) / windowSeconds, editsPerMinute: perMin(chat.edits - e0), identicalPerMinute: perMin(chat.identical - i0),
    };
  } finally {
    await labops.worker?.close();
    await dropPrefix(labops.redis, labops.queue.queue, prefix);
    await labops.close();
  }
}
