import { createHmac, randomBytes } from "node:crypto";
import autocannon from "autocannon";
import { FakeSlack } from "../lab/slack/fake-slack.ts";
import type { AckServerReady, AckServerSpec } from "./labops-bot-server.ts";
import { benchPrefix, type BenchSettings } from "./bench-env.ts";
import { forkChild, type BenchChild, type ChildHealth } from "./child.ts";
import { MiB, sleep, summarize, type Summary } from "./stats.ts";

/** One fixed-rate run against one server. */
export interface AckRun {
  target: "labops" | "bare";
  rate: number;
  seconds: number;
  latency: Summary;
  /** Responses that were not 2xx, transport errors and timeouts. */
  failed: number;
  /** labops only: acks that said "queued as job" (each a new job). */
  queued?: number | undefined;
  /** Event-loop delay of the server process during the run (p99 and max), ms. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Longest GC pause and total GC time in the server process during the run, ms. */
  gcMaxMs: number;
  gcTotalMs: number;
  /** Highest RSS of the server process sampled during the run, MiB. */
  rssMaxMiB: number;
  /** The five slowest acks: seconds into the run, latency ms (to tell a one-off stall from a steady tail). */
  slowest: { atS: number; ms: number }[];
  /** Responses that were 2xx but did not say "queued as job" (labops), with a sample body. */
  notQueued?: { count: number; sample?: string | undefined } | undefined;
}

export interface AckLatencyResult {
  runs: AckRun[];
  /** RSS of each server process after start-up, before any load, MiB. */
  restRssMiB: { labops: number; bare: number };
  /** Acks from labops that said "queued as job", warm-ups included. */
  labopsQueued: number;
  /** Requests sent to labops, warm-ups included (autocannon stops without waiting for the last burst's answers). */
  labopsSent: number;
  /** Jobs found in the labops queue at the end (waiting: no worker runs in the bot process); equals labopsQueued when every ack made one job. */
  jobsInQueue: number;
}

const USERS = Array.from({ length: 1_500 }, (_, i) => `U0B${String(i).padStart(5, "0")}`);
const CONNECTIONS = 10;

/**
 * Benchmark 1 (goal P1): Slack HTTP-mode ack latency of labops (bot role, Bolt HTTPReceiver on labops'
 * HttpServer, signature checked, /deploy traefik enqueued) against a bare Bolt app that only acks, both
 * in their own process on loopback, loaded in turn by autocannon at a fixed overall rate.
 */
export async function runAckLatency(s: BenchSettings, rates: number[] = [20, 200]): Promise<AckLatencyResult> {
  const slack = new FakeSlack({ pingIntervalMs: 0 });
  const apiUrl = await slack.start();
  const spec: AckServerSpec = {
    redisUrl: s.redisUrl, prefix: benchPrefix(), slackApiUrl: apiUrl, botToken: slack.botToken, signingSecret: slack.signingSecret,
    users: USERS, dir: s.dir,
  };
  const servers: Record<"labops" | "bare", BenchChild<AckServerReady>> = {
    labops: await forkChild<AckServerReady>(new URL("./labops-bot-server.ts", import.meta.url), [JSON.stringify(spec)]),
    bare: await forkChild<AckServerReady>(new URL("./bare-bolt-server.ts", import.meta.url), [JSON.stringify(spec)]),
  };
  try {
    await sleep(2_000);
    const rest = async (c: BenchChild<AckServerReady>) => MiB((await c.ask<{ rss: number }>("health")).rss);
    const restRssMiB = { labops: await rest(servers.labops), bare: await rest(servers.bare) };
    const runs: AckRun[] = [];
    let seq = 0;
    let labopsQueued = 0;
    let labopsSent = 0;
    for (const rate of rates) {
      for (const target of ["labops", "bare"] as const) {
        const c = servers[target];
        const warm = await load(c.ready.url, rate, 2, slack.signingSecret, () => seq++); // warm-up, discarded
        if (target === "labops") (labopsQueued += warm.queued), (labopsSent += warm.sent);
        await c.ask("health", { resetLoop: true });
        let rssMax = 0;
        const sampler = setInterval(() => void c.ask<{ rss: number }>("health").then((h) => (rssMax = Math.max(rssMax, h.rss))), 500);
        const r = await load(c.ready.url, rate, s.seconds, slack.signingSecret, () => seq++);
        clearInterval(sampler);
        if (target === "labops") (labopsQueued += r.queued), (labopsSent += r.sent);
        const h = await c.ask<ChildHealth>("health", { resetLoop: true });
        runs.push({ target, rate, seconds: s.seconds, latency: summarize(r.latencies), failed: r.failed,
          ...(target === "labops" ? { queued: r.queued, notQueued: r.notQueued } : {}), loopP99Ms: h.loopP99Ms, loopMaxMs: h.loopMaxMs, gcMaxMs: h.gcMaxMs, gcTotalMs: h.gcTotalMs, rssMaxMiB: MiB(Math.max(rssMax, h.rss)),
          slowest: r.slowest });
      }
    }
    const counts = await servers.labops.ask<Record<string, number>>("counts");
    return { runs, restRssMiB, labopsQueued, labopsSent, jobsInQueue: Object.values(counts).reduce((a, b) => a + b, 0) };
  } finally {
    await Promise.all([servers.labops.stop(), servers.bare.stop()]);
    await slack.close();
  }
}

/** Signed `/deploy traefik` form posts, a fresh trigger_id (so a new job) and the next user of the pool each time. */
async function load(url: string, rate: number, seconds: number, secret: string, next: () => number) {
  const latencies: number[] = [];
  const timed: { atS: number; ms: number }[] = [];
  const notQueued: { count: number; sample?: string | undefined } = { count: 0 };
  const start = performance.now();
  let queued = 0;
  let sent = 0;
  const inst = autocannon({
    url, connections: CONNECTIONS, overallRate: rate, duration: seconds, ignoreCoordinatedOmission: true, timeout: 10,
    requests: [{
      method: "POST",
      setupRequest: (req) => {
        const n = next();
        sent++;
        const body = slashBody(n);
        const ts = String(Math.floor(Date.now() / 1000));
        const sig = `v0=${createHmac("sha256", secret).update(`v0:${ts}:${body}`).digest("hex")}`;
        return { ...req, body, headers: { "content-type": "application/x-www-form-urlencoded", "x-slack-request-timestamp": ts, "x-slack-signature": sig } };
      },
      onResponse: (_status, body) => {
        if (body.includes("queued as job")) queued++;
        else {
          notQueued.count++;
          notQueued.sample ??= body.slice(0, 300);
        }
      },
    }],
  });
  inst.on("response", (_client: unknown, status: number, _bytes: number, ms: number) => {
    if (status >= 200 && status < 300) latencies.push(ms);
    timed.push({ atS: Math.round((performance.now() - start - ms) / 10) / 100, ms: Math.round(ms * 10) / 10 });
  });
  const res = await inst;
  const slowest = timed.sort((a, b) => b.ms - a.ms).slice(0, 5);
  return { latencies, queued, sent, notQueued, slowest, failed: res.non2xx + res.errors + res.timeouts };
}

function slashBody(n: number): string {
  return new URLSearchParams({
    token: "vtok-legacy", team_id: "T0LABOPS", team_domain: "homelab", channel_id: "C0OPS", channel_name: "ops",
    user_id: USERS[n % USERS.length]!, user_name: `bench${n % USERS.length}`, command: "/deploy", text: "traefik", api_app_id: "A0LABOPS",
    is_enterprise_install: "false", response_url: "http://127.0.0.1:9/response/none",
    trigger_id: `${Date.now()}.${n}.${randomBytes(8).toString("hex")}`,
  }).toString();
}
