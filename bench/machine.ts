import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { Redis } from "ioredis";
import { num, sleep, summarize, type Summary } from "./stats.ts";

/** What the figures were measured on: printed at the top of every run and stored with the results. */
export interface MachineInfo {
  nproc: number;
  cpu: string;
  memGiB: number;
  /** 1-minute load average when the run started (other work on the box competes for the same CPUs). */
  loadAvg1: number;
  node: string;
  redis: string;
  redisAof: string;
  bullmq: string;
  bolt: string;
  autocannon: string;
  /** `redis-cli --intrinsic-latency 2`: the worst scheduling stall of the box, in µs (a floor under every p99). */
  intrinsicLatencyUs: number | undefined;
  /** Overshoot of `setTimeout(1)` in this Node process, ms. */
  timerJitter: Summary;
  /** Sequential PING round trips to the benchmark Redis, ms. */
  redisPing: Summary;
}

export async function machineInfo(redisUrl: string): Promise<MachineInfo> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    const info = await redis.info("server");
    const aof = await redis.config("GET", "appendonly").then((r) => (r as string[])[1] ?? "?", () => "unknown");
    const fsync = await redis.config("GET", "appendfsync").then((r) => (r as string[])[1] ?? "?", () => "unknown");
    const pings: number[] = [];
    for (let i = 0; i < 500; i++) {
      const t = performance.now();
      await redis.ping();
      pings.push(performance.now() - t);
    }
    return {
      nproc: availableParallelism(),
      cpu: cpus()[0]?.model.trim() ?? "unknown",
      memGiB: totalmem() / 1024 ** 3,
      loadAvg1: loadavg()[0] ?? 0,
      node: process.version,
      redis: /redis_version:(\S+)/.exec(info)?.[1] ?? "unknown",
      redisAof: `appendonly ${aof}, appendfsync ${fsync}`,
      bullmq: versionOf("bullmq"),
      bolt: versionOf("@slack/bolt"),
      autocannon: versionOf("autocannon"),
      intrinsicLatencyUs: intrinsicLatency(2),
      timerJitter: await timerJitter(400),
      redisPing: summarize(pings),
    };
  } finally {
    redis.disconnect();
  }
}

export function describeMachine(m: MachineInfo): string[] {
  return [
    `machine: ${m.nproc} CPUs (${m.cpu}), ${num(m.memGiB, 1)} GiB RAM, load average ${num(m.loadAvg1)} at start, node ${m.node}`,
    `redis ${m.redis} (${m.redisAof}), bullmq ${m.bullmq}, @slack/bolt ${m.bolt}, autocannon ${m.autocannon}`,
    `jitter: redis-cli --intrinsic-latency 2 worst ${m.intrinsicLatencyUs ?? "n/a"} µs; setTimeout(1) overshoot p50/p99/max ${num(m.timerJitter.p50)} / ${num(m.timerJitter.p99)} / ${num(m.timerJitter.max)} ms; redis PING p50/p99 ${num(m.redisPing.p50, 3)} / ${num(m.redisPing.p99, 3)} ms`,
  ];
}

function versionOf(pkg: string): string {
  try {
    const path = new URL(`../node_modules/${pkg}/package.json`, import.meta.url);
    return (JSON.parse(readFileSync(path, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

function intrinsicLatency(seconds: number): number | undefined {
  const r = spawnSync("redis-cli", ["--intrinsic-latency", String(seconds)], { encoding: "utf8", timeout: (seconds + 5) * 1000 });
  const all = [...(r.stdout ?? "").matchAll(/Max latency so far: (\d+) microseconds/g)];
  const last = all.at(-1)?.[1];
  return last === undefined ? undefined : Number(last);
}

async function timerJitter(samples: number): Promise<Summary> {
  const over: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t = performance.now();
    await sleep(1);
    over.push(performance.now() - t - 1);
  }
  return summarize(over);
}
