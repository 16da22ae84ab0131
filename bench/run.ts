/**
 * `npm run bench`: labops' benchmarks, each against a baseline measured in the same run on the same
 * machine (docs/PERFORMANCE.md explains them). BENCH_SECONDS lengthens the runs (default 15 s per ack
 * run, ~4 min in all on 2 cores); BENCH_SAVE=1 also writes bench/results/latest.json. Redis: a private
 * redis-server with AOF everysec on a spare port, or BENCH_REDIS_URL (keys under a random prefix only).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { startPrivateRedis } from "../lab/private-redis.ts";
import { runAckLatency } from "./ack-latency.ts";
import { benchSettings, type BenchSettings } from "./bench-env.ts";
import { runEnqueueLatency } from "./enqueue-latency.ts";
import { describeMachine, machineInfo } from "./machine.ts";
import { runMemory } from "./memory.ts";
import { runMultiProcess } from "./multi-process.ts";
import { runPollingCost } from "./polling-cost.ts";
import { ackRows, enqueueRows, formatTable, memoryRows, multiProcessRows, pollingRows, scaleRows, throughputRows, waitingRows, type Row } from "./report.ts";
import { runBareThroughput, runThroughput } from "./throughput.ts";
import { runWaitingCost } from "./waiting-cost.ts";
import { runScaleCost } from "./scale-cost.ts";

const t0 = Date.now();
const say = (msg: string) => console.log(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(3)} s] ${msg}`);

async function main(s: BenchSettings, redisNote: string): Promise<void> {
  const scale = s.seconds / 15;
  const short = Math.max(3, Math.round(s.seconds * (2 / 3)));
  const machine = await machineInfo(s.redisUrl);
  console.log(`labops benchmarks — ${new Date().toISOString()} — npm run bench`);
  for (const l of describeMachine(machine)) console.log(l);
  console.log(`settings: BENCH_SECONDS=${s.seconds}; redis: ${redisNote}; logs and JSON in ${s.dir}\n`);
  const rows: Row[] = [];

  say("1/8 ack latency: labops Slack HTTP bot vs bare Bolt, 20 and 200 req/s");
  const ack = await runAckLatency(s, [20, 200]);
  rows.push(...ackRows(ack));
  say(`    labops: ${ack.labopsSent} signed requests sent, ${ack.labopsQueued} acks read "queued as job", ${ack.jobsInQueue} jobs in its queue (the difference: answers still in flight when autocannon stopped)`);
  for (const r of ack.runs) say(`    ${r.target} @ ${r.rate}/s: slowest acks (s into run: ms) ${r.slowest.map((x) => `${x.atS}: ${x.ms}`).join(", ")}; server loop delay p99/max ${r.loopP99Ms.toFixed(1)} / ${r.loopMaxMs.toFixed(1)} ms, longest GC pause ${r.gcMaxMs.toFixed(1)} ms (${r.gcTotalMs.toFixed(0)} ms GC in all)`);

  say("2/8 enqueue → worker start: labops vs bare BullMQ, 10 and 50 jobs/s");
  const enqueue = await runEnqueueLatency(s, [10, 50], short);
  rows.push(...enqueueRows(enqueue));

  say("3/8 end-to-end /deploy jobs per second with instant fakes vs bare BullMQ no-op jobs");
  const throughput = await runThroughput(s, { defaults: Math.round(60 * scale), compressed: Math.round(200 * scale) });
  const bare = await runBareThroughput(s, Math.round(10_000 * scale));
  rows.push(...throughputRows(throughput, bare));

  say("4/8 polling cost: AAP requests, chat calls and Redis commands per running job, 1/10/50/200 jobs");
  const polling = await runPollingCost(s, [1, 10, 50, 200], short);
  rows.push(...pollingRows(polling));

  say("5/8 memory: labops worker vs bare BullMQ worker (bot side sampled in 1/8)");
  const memory = await runMemory(s, 20, short);
  rows.push(...memoryRows(ack, memory));

  say("6/8 waiting cost: Redis commands and chat edits with 1/10/100/1000 deploys waiting for one lock");
  const waiting = await runWaitingCost(s, [1, 10, 100, 1000], short);
  rows.push(...waitingRows(waiting));

  say("7/8 several processes: 2 bots, 1 then 2 worker processes, the same round of deploys");
  const multi = await runMultiProcess(s, Math.max(24, Math.round(60 * scale)));
  rows.push(...multiProcessRows(multi));

  say("8/8 growth: /status at 10,000 queued jobs, Redis memory per job, /history at the audit cap");
  const growth = await runScaleCost(s, 10_000);
  rows.push(...scaleRows(growth));

  say(`done (load average now ${loadavg()[0]?.toFixed(2)})\n`);
  console.log(formatTable(rows));
  const json = JSON.stringify({ at: new Date().toISOString(), command: "npm run bench", seconds: s.seconds, redis: redisNote, machine, rows,
    raw: { ack, enqueue, throughput, bare, polling, memory, waiting, multi, growth } }, null, 2);
  writeFileSync(join(s.dir, "latest.json"), json);
  console.log(`\nJSON: ${join(s.dir, "latest.json")}`);
  if (s.save) {
    const dir = new URL("./results/", import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL("latest.json", dir), json);
    console.log("saved: bench/results/latest.json");
  }
}

const settings = benchSettings();
// A private redis-server by default: other work on a shared Redis (tests, KEYS scans) would show up as our tail latency.
const privateRedis = settings.redisUrl ? undefined : await startPrivateRedis({ aof: true });
try {
  await main({ ...settings, redisUrl: settings.redisUrl || privateRedis!.url },
    privateRedis ? `private redis-server on port ${privateRedis.port} (AOF everysec)` : settings.redisUrl);
} finally {
  await privateRedis?.stop();
}
process.exit(0);
