import { NotifierRegistry } from "../src/core/notifier.ts";
import { createLabops } from "../src/create-labops.ts";
import { createLab, type Lab } from "../lab/create-lab.ts";
import { benchConfig, benchPrefix, CountingNotifier, dropPrefix, fileLogger, payloadFor, redisCommands, type BenchSettings } from "./bench-env.ts";
import { APPS } from "./throughput.ts";
import { sleep, waitUntil } from "./stats.ts";

export interface PollingRun {
  /** Deploy jobs running at the same time, each following its own AAP job. */
  concurrent: number;
  windowSeconds: number;
  /** AAP jobs still not finished at the end of the window (should equal `concurrent`). */
  stillRunning: number;
  aapRequests: number;
  aapPerJobPerMinute: number;
  aapPerMinute: number;
  /**
   * Chat calls (posts + edits) the jobs make after ProgressMessage coalescing (≥ progressEditInterval
   * 2 s apart per message), per job per minute and for the whole workspace. The Slack front end's
   * throttle then caps the workspace at 40 calls/min (not in this loop: see PERFORMANCE.md).
   */
  chatPerJobPerMinute: number;
  chatPerMinute: number;
  /** Chat edits identical to the message already shown, per minute (wasted calls). */
  identicalPerMinute: number;
  /** Redis commands per second during the window (the server's own count). */
  redisPerSecond: number;
}

const SLACK_ACTOR = { platform: "slack" as const, id: "U0ALICE", name: "alice", groups: [] };
const SLACK_CHANNEL = { platform: "slack" as const, channel: "C0OPS" };

/**
 * Benchmark 4: the cost of following AAP jobs. K deploy jobs (production settings: AAP poll 2 s,
 * progress edits ≥ 2 s apart) run at once against AAP jobs that last longer than the window; we count
 * AAP API requests (every request the fake AAP receives) and chat calls during it. The notifier is an
 * in-memory counter without the Slack throttle: with the throttle, 50 jobs started together wait up to
 * (50 − 5) × 1.5 s for their first post before they launch anything.
 */
export async function runPollingCost(s: BenchSettings, levels: number[], windowSeconds: number): Promise<PollingRun[]> {
  // Slow fake AAP: ~25 s per job (pending 6 s, then 1 s per step), so every job is still running at the end of the window.
  const lab = await createLab({ stepMs: 1_000, aap: { pendingMs: 6_000 } });
  try {
    const runs: PollingRun[] = [];
    for (const k of levels) runs.push(await oneLevel(s, lab, k, windowSeconds));
    return runs;
  } finally {
    await lab.close();
  }
}

async function oneLevel(s: BenchSettings, lab: Lab, k: number, windowSeconds: number): Promise<PollingRun> {
  const prefix = benchPrefix();
  const config = benchConfig(s.redisUrl, prefix, lab.env);
  config.limits.workerConcurrency = Math.max(config.limits.workerConcurrency, k + 10);
  const chat = new CountingNotifier();
  const labops = createLabops({ config, log: fileLogger(s.dir, "polling", config.secrets), notifiers: new NotifierRegistry().register("slack", chat), probe: lab.probe });
  await labops.ready();
  labops.startWorker();
  let aap = 0;
  const count = () => aap++;
  const server = lab.aap.http.server();
  try {
    const before = lab.aap.launches().length;
    for (let i = 0; i < k; i++) {
      await labops.queue.enqueue("aap.deploy", payloadFor("deploy", { app: APPS[i % APPS.length]!, check: false }, { lockKey: `bench:${i}`, actor: SLACK_ACTOR, channel: SLACK_CHANNEL }));
    }
    if (!(await waitUntil(() => lab.aap.launches().length - before >= k, 60_000, 50))) throw new Error(`only ${lab.aap.launches().length - before} of ${k} AAP jobs launched`);
    const ids = lab.aap.launches().slice(before).map((l) => l.jobId);
    await sleep(1_000);
    const chat0 = chat.calls;
    const identical0 = chat.identical;
    const redis0 = await redisCommands(labops.redis);
    server.on("request", count);
    await sleep(windowSeconds * 1_000);
    server.off("request", count);
    const redis1 = await redisCommands(labops.redis);
    const perMin = (n: number) => n / (windowSeconds / 60);
    const stillRunning = ids.filter((id) => ["new", "pending", "waiting", "running"].includes(lab.aap.job(id)?.status ?? "")).length;
    return {
      concurrent: k, windowSeconds, stillRunning, aapRequests: aap,
      aapPerJobPerMinute: perMin(aap) / k, aapPerMinute: perMin(aap),
      chatPerJobPerMinute: perMin(chat.calls - chat0) / k, chatPerMinute: perMin(chat.calls - chat0),
      identicalPerMinute: perMin(chat.identical - identical0), redisPerSecond: (redis1 - redis0 - 1) / windowSeconds,
    };
  } finally {
    server.off("request", count);
    await labops.worker?.close(); // first, so nothing writes under the prefix after it is dropped
    await dropPrefix(labops.redis, labops.queue.queue, prefix);
    await labops.close();
  }
}
