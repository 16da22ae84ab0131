import type { AckLatencyResult } from "./ack-latency.ts";
import type { EnqueueRun } from "./enqueue-latency.ts";
import type { MemoryRun } from "./memory.ts";
import type { MultiProcessRun } from "./multi-process.ts";
import type { PollingRun } from "./polling-cost.ts";
import type { ScaleRun } from "./scale-cost.ts";
import type { WaitingRun } from "./waiting-cost.ts";
import { num, ratio, type Summary } from "./stats.ts";
import type { BareThroughput, ThroughputRun } from "./throughput.ts";

/** One line of the results table. */
export interface Row {
  bench: string;
  name: string;
  labops: string;
  baseline: string;
  ratio: number | undefined;
  target: string;
  verdict: "pass" | "FAIL" | "info";
}

const lat3 = (s: Summary) => `${num(s.p50)} / ${num(s.p99)} / ${num(s.max)} ms`;
const lat2 = (s: Summary) => `${num(s.p50)} / ${num(s.p99)} ms`;
const ok = (b: boolean): Row["verdict"] => (b ? "pass" : "FAIL");

export function ackRows(r: AckLatencyResult): Row[] {
  const rates = [...new Set(r.runs.map((x) => x.rate))];
  return rates.map((rate) => {
    const l = r.runs.find((x) => x.rate === rate && x.target === "labops")!;
    const b = r.runs.find((x) => x.rate === rate && x.target === "bare")!;
    const q = ratio(l.latency.p99, b.latency.p99);
    const over = l.latency.p99 - b.latency.p99;
    const abs = rate <= 20 ? l.latency.p99 <= 100 && l.latency.max <= 500 : true;
    return {
      bench: "1 ack (Slack HTTP)", name: `p50/p99/max @ ${rate} req/s, ${l.latency.n} req (${l.failed} failed, ${l.queued} queued)`,
      labops: lat3(l.latency), baseline: `${lat3(b.latency)} (bare Bolt)`, ratio: q,
      target: `p99 ratio ≤ 2.0, overhead ≤ 25 ms (now ${num(over)})${rate <= 20 ? ", p99 ≤ 100, max ≤ 500" : ""}`,
      verdict: ok(q <= 2 && over <= 25 && abs && l.failed === 0),
    };
  });
}

export function enqueueRows(runs: EnqueueRun[]): Row[] {
  const rates = [...new Set(runs.map((x) => x.rate))];
  return rates.map((rate) => {
    const l = runs.find((x) => x.rate === rate && x.target === "labops")!;
    const b = runs.find((x) => x.rate === rate && x.target === "bare")!;
    const limit = rate <= 10 ? 25 : 50;
    return {
      bench: "2 enqueue→start", name: `p50/p99 @ ${rate} jobs/s, ${l.latency.n} jobs`, labops: lat2(l.latency),
      baseline: `${lat2(b.latency)} (bare BullMQ)`, ratio: ratio(l.latency.p99, b.latency.p99),
      target: `p99 ≤ ${limit} ms`, verdict: ok(l.latency.p99 <= limit),
    };
  });
}

export function throughputRows(runs: ThroughputRun[], bare: BareThroughput): Row[] {
  return runs.map((r) => ({
    bench: "3 end to end", name: `/deploy jobs/s, ${r.variant}; ${r.finished}/${r.jobs} final, enqueue→final p50/p99 ${num(r.latency.p50 / 1000)} / ${num(r.latency.p99 / 1000)} s; ${num(r.chatCallsPerJob)} chat calls and ${num(r.aapRequestsPerJob)} AAP requests per job`,
    labops: `${num(r.perSecond)} jobs/s`, baseline: `${num(bare.perSecond)} no-op jobs/s (bare BullMQ, ${bare.jobs} jobs)`,
    ratio: ratio(r.perSecond, bare.perSecond), target: `P5: 50/s (a burst of ${r.jobs} here, not the 10-min soak)`, verdict: ok(r.perSecond >= 50 && r.finished === r.jobs),
  }));
}

export function pollingRows(runs: PollingRun[]): Row[] {
  const one = runs.find((r) => r.concurrent === 1) ?? runs[0]!;
  return runs.map((r) => {
    const growth = ratio(r.aapPerMinute, one.aapPerMinute);
    return {
      bench: "4 polling cost", name: `${r.concurrent} running jobs (${r.stillRunning} still running at window end, ${r.windowSeconds} s window)`,
      labops: `AAP ${num(r.aapPerJobPerMinute)} req/job/min (${num(r.aapPerMinute)}/min); chat ${num(r.chatPerJobPerMinute)} calls/job/min (${num(r.chatPerMinute)}/min, ${num(r.identicalPerMinute)} identical); Redis ${num(r.redisPerSecond)} cmd/s`,
      baseline: `1 job: AAP ${num(one.aapPerMinute)}/min`, ratio: growth,
      target: `sublinear: AAP total growth < ${r.concurrent}×; 0 identical edits`,
      verdict: r.concurrent === 1 ? ok(r.identicalPerMinute === 0) : ok(growth < r.concurrent * 0.9 && r.identicalPerMinute === 0),
    };
  });
}

export function waitingRows(runs: WaitingRun[]): Row[] {
  const one = runs.find((r) => r.waiters === 1) ?? runs[0]!;
  return runs.map((r) => {
    const growth = ratio(r.redisPerSecond, one.redisPerSecond);
    return {
      bench: "6 waiting cost", name: `${r.waiters} deploys waiting for one app's lock (${r.stillWaiting} still waiting at window end, ${r.windowSeconds} s window)`,
      labops: `Redis ${num(r.redisPerSecond)} cmd/s; chat ${num(r.editsPerMinute)} edits/min, ${num(r.identicalPerMinute)} identical`,
      baseline: `1 waiter: Redis ${num(one.redisPerSecond)} cmd/s, ${num(one.editsPerMinute)} edits/min`, ratio: growth,
      target: "waiting costs nothing: ≤ 2 Redis cmd/s and no chat edits more than 1 waiter (was 32,071 cmd/s and 54,738 edits/min at 1,000), 0 identical",
      verdict: ok(r.redisPerSecond - one.redisPerSecond <= 2 && r.editsPerMinute <= one.editsPerMinute + 1 && r.identicalPerMinute === 0 && r.stillWaiting === r.waiters),
    };
  });
}

export function multiProcessRows(r: MultiProcessRun): Row[] {
  return [{
    bench: "7 several processes", name: `${r.deploys} deploys of ${r.apps} apps through 2 bots; ${r.concurrency} jobs at once per worker; 0 duplicate launches, locks never shared, 1 final each`,
    labops: `2 workers: ${num(r.twoWorkersS)} s`, baseline: `1 worker: ${num(r.oneWorkerS)} s`, ratio: r.speedup,
    target: "throughput ≥ 1.8× one worker", verdict: ok(r.speedup >= 1.8),
  }];
}

export function scaleRows(r: ScaleRun): Row[] {
  const st = ratio(r.statusDeep.p50, r.statusEmpty.p50);
  const hi = ratio(r.historyFiltered.p50, r.historyNewest.p50);
  return [
    {
      bench: "8 growth", name: `/status p50/p99 with ${r.depth} jobs queued; Redis ${num(r.bytesPerJob / 1024)} KiB per queued job`,
      labops: lat2(r.statusDeep), baseline: `${lat2(r.statusEmpty)} (empty queue)`, ratio: st,
      target: "constant in queue depth: ≤ 2× the empty queue", verdict: ok(st <= 2),
    },
    {
      bench: "8 growth", name: `/history of one rare target, audit trail at its cap (${r.auditEntries} entries)`,
      labops: lat2(r.historyFiltered), baseline: `${lat2(r.historyNewest)} (/history, 20 newest)`, ratio: hi,
      target: "indexed: ≤ 2× the unfiltered read (a scan was 45 ms)", verdict: ok(hi <= 2),
    },
  ];
}

export function memoryRows(ack: AckLatencyResult | undefined, worker: MemoryRun[]): Row[] {
  const rows: Row[] = [];
  if (ack) {
    const peak = (t: "labops" | "bare") => Math.max(...ack.runs.filter((x) => x.target === t).map((x) => x.rssMaxMiB));
    rows.push({
      bench: "5 memory", name: "bot RSS at rest / peak under the ack load (MiB)",
      labops: `${num(ack.restRssMiB.labops)} / ${num(peak("labops"))}`, baseline: `${num(ack.restRssMiB.bare)} / ${num(peak("bare"))} (bare Bolt)`,
      ratio: ratio(peak("labops"), peak("bare")), target: "P7: bot ≤ 200 MiB", verdict: ok(peak("labops") <= 200),
    });
  }
  const l = worker.find((w) => w.target === "labops worker");
  const b = worker.find((w) => w.target === "bare BullMQ worker");
  const idle = worker.find((w) => w.target === "idle node --import tsx");
  if (l && b) {
    rows.push({
      bench: "5 memory", name: `worker RSS at rest / peak / 2 s after ${l.jobs} jobs at ${l.rate}/s (MiB); loop p99 ${num(l.loopP99Ms)} vs ${num(b.loopP99Ms)} ms`,
      labops: `${num(l.restMiB)} / ${num(l.loadMaxMiB)} / ${num(l.afterMiB)}`, baseline: `${num(b.restMiB)} / ${num(b.loadMaxMiB)} / ${num(b.afterMiB)} (bare BullMQ worker)`,
      ratio: ratio(l.loadMaxMiB, b.loadMaxMiB), target: "P7: worker ≤ 150 MiB", verdict: ok(l.loadMaxMiB <= 150),
    });
  }
  if (idle) {
    rows.push({ bench: "5 memory", name: "idle `node --import tsx` process (floor of every figure above)", labops: "", baseline: `${num(idle.restMiB)} MiB`, ratio: undefined, target: "", verdict: "info" });
  }
  return rows;
}

/** A fixed-width text table. */
export function formatTable(rows: Row[]): string {
  const cols: (keyof Row)[] = ["bench", "name", "labops", "baseline", "ratio", "target", "verdict"];
  const cell = (r: Row, c: keyof Row) => (c === "ratio" ? (r.ratio === undefined ? "" : num(r.ratio)) : String(r[c]));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (vals: string[]) => vals.map((v, i) => v.padEnd(widths[i]!)).join(" | ");
  return [line(cols), widths.map((w) => "-".repeat(w)).join("-|-"), ...rows.map((r) => line(cols.map((c) => cell(r, c))))].join("\n");
}
