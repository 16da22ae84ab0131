/**
 * Crash soak (perf-reliability C1, C2, C3, C10, bench tier): real worker processes `kill -9`ed at every phase
 * of /deploy and /cleanup-ocp, many times, in parallel lanes (each its own lab and queue prefix on the shared
 * Redis); then C2 with lockDuration 10 s / stalledInterval 5 s, SIGSTOP pauses at phase boundaries, and
 * staged demonstrations of the documented windows. Prints counts; exits 1 on any violation.
 *
 *   node --import tsx bench/crash-soak.ts [--kills 200] [--lanes 4] [--c2 5] [--pauses 2] [--no-windows]
 */
import { execSync } from "node:child_process";
import { Redis } from "ioredis";
import { SEED_OCP } from "../lab/truenas/zfs-seed.ts";
import { CrashLab, type CrashLabOptions, type WorkerChild } from "../test/helpers/crash-harness.ts";
import { REDIS_URL } from "../test/helpers/harness.ts";

const LAUNCH = /\/job_templates\/\d+\/launch\/$/;
const APPS = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "vaultwarden"];
const FOLDERS = [{ name: SEED_OCP.dataset, kind: "dataset" as const }, ...SEED_OCP.plain.map((name) => ({ name, kind: "folder" as const }))];
const LOST = "lost ownership of the job; another worker continues it";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const opts = { kills: arg("kills", 200), lanes: arg("lanes", 4), c2: arg("c2", 5), pauses: arg("pauses", 2), windows: !process.argv.includes("--no-windows") };

/** Everything counted over the run (the C10 history check: lost, duplicated, unexpected). */
const tally = {
  kills: {} as Record<string, number>,
  jobs: 0, finished: 0,
  /** Phase-4 kills not made because the AAP job had already finished when the worker re-attached. */
  skipped4: 0,
  /** Phase-4 kills not made because the harness saw no polling edit within 30 s (the job is still checked to its end). */
  triggerTimeouts: 0,
  duplicateLaunches: 0, duplicateTrueNas: 0, extraMessages: 0, extraFinals: 0, duplicateJournal: 0, doubleCompletions: 0,
  violations: [] as string[],
  reattachMs: [] as number[],
  c2Ms: [] as number[],
};
const kills = () => Object.values(tally.kills).reduce((a, b) => a + b, 0);

/** One lane: a lab, a queue prefix, and the current worker process, killed and replaced at each chosen phase. */
class Lane {
  worker!: WorkerChild;
  #kills: { jobId: string; tKill: number; next: string }[] = [];
  /** Re-attach samples of this lane go here. */
  constructor(readonly c: CrashLab, readonly name: string, readonly samples: number[] = tally.reattachMs) {}

  async start() {
    this.worker = this.c.spawnWorker();
    await this.worker.ready;
  }

  /** `kill -9` of the current worker, then `armNext` (so only the next worker can meet its hold), then a fresh worker. */
  async kill<T>(phase: string, jobId: string, armNext: () => T): Promise<{ armed: T }> {
    const tKill = await this.c.kill9(this.worker);
    tally.kills[phase] = (tally.kills[phase] ?? 0) + 1;
    const armed = armNext();
    this.worker = this.c.spawnWorker();
    this.#kills.push({ jobId, tKill, next: this.worker.label });
    return { armed };
  }

  /** Kill → first edit of the job's message by the next worker, for every kill of this job. */
  reattachTimes(jobId: string): number[] {
    const msg = this.c.book.refresh().forJob(jobId)[0];
    return this.#kills.filter((k) => k.jobId === jobId).flatMap((k) => {
      const first = msg?.entries.find((e) => e.child === k.next);
      return first ? [first.t - k.tKill] : [];
    });
  }

  /** A /deploy killed at phases 1 (POST never processed), 2 (POST processed, answer lost), 3 (id saved), 4 (polling). */
  async deploy(app: string, phases: string[]): Promise<void> {
    const c = this.c;
    const arm = (p: string) =>
      p === "1" ? c.holdAap("POST", LAUNCH, "unprocessed")
        : p === "1a" ? c.holdAap("GET", LAUNCH, "unprocessed") // before the intent: launch requirements asked, never answered
          : p === "2" ? c.holdAap("POST", LAUNCH, "response")
            : p === "3" ? c.holdAapPoll() : undefined;
    const next = (p: string | undefined) => (p ? arm(p) : undefined);
    let pending = next(phases[0]);
    const ack = await c.run(`/deploy ${app}`);
    const jobId = ack.jobId!;
    tally.jobs++;
    for (const [i, p] of phases.entries()) {
      if (pending) await within(pending, 30_000, `${this.name} ${jobId} phase ${p}`);
      else {
        // Phase 4: the current worker has re-attached and polls; kill only while the AAP job still runs.
        const label = this.worker.label;
        const polled = await c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.find((e) => e.child === label && e.msg.link !== undefined), 30_000, `${jobId} polling`)
          .catch(() => undefined);
        if (!polled) {
          // No kill this time; the job is still followed to its final message below, so a real loss still counts.
          tally.triggerTimeouts++;
          pending = next(phases[i + 1]);
          continue;
        }
        const aapJob = Number(/AAP job (\d+)/.exec(polled.msg.link!.label)?.[1]);
        if (!["pending", "waiting", "running"].includes(c.lab.aap.job(aapJob)?.status ?? "")) {
          tally.skipped4++;
          pending = next(phases[i + 1]);
          continue;
        }
      }
      pending = (await this.kill(p, jobId, () => next(phases[i + 1]))).armed;
    }
    await this.#settle(jobId, "deploy");
    const launches = c.lab.aap.launches().filter((l) => String(l.extraVars.labops_correlation).startsWith(`${jobId}/`));
    if (launches.length !== 1) (tally.duplicateLaunches += Math.max(0, launches.length - 1), tally.violations.push(`${jobId}: ${launches.length} AAP launches`));
    const journal = c.lab.nautobot.journal().filter((j) => j.comments.includes(`labops job ${jobId}`)).length;
    if (journal !== 1) (tally.duplicateJournal += Math.max(0, journal - 1), tally.violations.push(`${jobId}: ${journal} journal entries`));
  }

  /** A confirmed /cleanup-ocp killed at 5 (snapshot call dropped), 6 (snapshot taken, answer lost), 7 (renamed, AAP POST not processed), 7b (rename done, answer lost). */
  async cleanup(phases: string[]): Promise<void> {
    const c = this.c;
    c.reseedTrueNas();
    const calls0 = c.lab.truenas.calls().length;
    const arm = (p: string) =>
      p === "5" ? c.holdTrueNas("pool.snapshot.create", "drop")
        : p === "6" ? c.holdTrueNas("pool.snapshot.create", "response")
          : p === "7b" ? c.holdTrueNas("pool.dataset.rename", "response") : c.holdAap("POST", LAUNCH, "unprocessed");
    let pending = phases[0] ? arm(phases[0]) : undefined;
    const jobId = await c.enqueueCleanup(FOLDERS);
    tally.jobs++;
    for (const [i, p] of phases.entries()) {
      await within(pending!, 30_000, `${this.name} ${jobId} phase ${p}`);
      const next = phases[i + 1];
      pending = (await this.kill(p, jobId, () => (next ? arm(next) : undefined))).armed;
    }
    await this.#settle(jobId, "cleanup");
    const calls = c.lab.truenas.calls().slice(calls0).map((x) => x.method);
    const n = (m: string) => calls.filter((x) => x === m).length;
    const dropped = phases.filter((p) => p === "5").length;
    const dup = Math.max(0, n("pool.snapshot.create") - dropped - 1) + Math.max(0, n("pool.dataset.rename") - 1) + n("pool.dataset.delete");
    const snaps = [...c.lab.truenas.fs.snapshots.keys()].filter((k) => k === `Media/docker-media@labops-cleanup-${jobId}`).length;
    const launches = c.lab.aap.launches().filter((l) => String(l.extraVars.labops_correlation).startsWith(`${jobId}/`)).length;
    const gone = FOLDERS.every((f) => !c.lab.truenas.fs.exists(`/mnt/Media/docker-media/${f.name}`));
    if (dup || snaps !== 1 || !gone) (tally.duplicateTrueNas += dup, tally.violations.push(`${jobId}: TrueNAS dup ${dup}, snapshots ${snaps}, all gone ${gone}`));
    if (launches !== 1) (tally.duplicateLaunches += Math.max(0, launches - 1), tally.violations.push(`${jobId}: ${launches} cleanup launches`));
  }

  /** Waits for the one final message and checks continuity and BullMQ completion. */
  async #settle(jobId: string, what: string): Promise<void> {
    const c = this.c;
    try {
      const msg = await c.final(jobId, 120_000);
      tally.finished++;
      const state = msg.entries.at(-1)!.msg.state;
      if (state !== "success") tally.violations.push(`${jobId} (${what}): final state ${state}`);
      const messages = c.book.forJob(jobId).length;
      if (messages !== 1) {
        tally.extraMessages += messages - 1;
        const kills = this.#kills.filter((k) => k.jobId === jobId).map((k) => `${k.tKill % 100_000} → ${k.next}`).join(", ");
        const seen = c.book.forJob(jobId).map((m) => `${m.messageId}: ${m.entries.map((e) => `${e.t % 100_000} ${e.child} ${e.kind} ${e.msg.state}`).join("; ")}`).join(" | ");
        tally.violations.push(`${jobId} (${what}): ${messages} messages; kills ${kills}; ${seen}`);
      }
      const finals = c.book.finals(msg).length;
      if (finals !== 1) (tally.extraFinals += finals - 1, tally.violations.push(`${jobId}: ${finals} final states`));
      this.samples.push(...this.reattachTimes(jobId));
      await c.waitFor(async () => (await c.completions(jobId)) >= 1, 10_000, "completion").catch(() => undefined);
      const done = await c.completions(jobId);
      if (done !== 1) (tally.doubleCompletions += Math.max(0, done - 1), tally.violations.push(`${jobId}: completed ${done} times`));
    } catch (err) {
      tally.violations.push(`${jobId} (${what}): ${(err as Error).message} (lost)`);
    }
  }
}

/** A job that got stuck is a violation: record it, clear the faults, and go on with a fresh worker. */
async function guarded(lane: Lane, job: () => Promise<void>): Promise<void> {
  try {
    await job();
  } catch (err) {
    tally.violations.push(`${lane.name}: ${(err as Error).message}`);
    lane.c.lab.aap.http.clearFaults();
    lane.c.lab.truenas.clearFaults();
    await lane.c.stopAll();
    await lane.start();
  }
}

async function runLane(i: number, budget: number): Promise<void> {
  const c = await CrashLab.start({ lab: { stepMs: 1_000 } });
  const lane = new Lane(c, `lane${i}`);
  try {
    await lane.start();
    for (let round = 0; kills() < budget; round++) {
      // Phase 4 comes right after the re-attach that follows phase 2 (the AAP job still runs); phase 3 is then the
      // next worker's re-attach by saved id, killed at its first poll.
      await guarded(lane, () => lane.deploy(APPS[round % APPS.length]!, round % 3 === 2 ? ["1a", "2", "4", "3"] : ["1", "2", "4", "3"]));
      if (kills() >= budget) break;
      await guarded(lane, () => lane.cleanup(round % 2 ? ["5", "6", "7b", "7"] : ["5", "6", "7"]));
      process.stdout.write(`  ${lane.name}: round ${round + 1} done, ${kills()} kills so far\n`);
    }
  } finally {
    await c.close();
  }
}

/** C2 at production-like timings: lockDuration 10 s, stalledInterval 5 s, killed while polling. */
async function runC2(samples: number): Promise<void> {
  const c = await CrashLab.start({ lab: { stepMs: 2_500 }, lockDurationMs: 10_000, stalledIntervalMs: 5_000, progressEditMs: 500, pollMs: 500 });
  const lane = new Lane(c, "c2", tally.c2Ms);
  try {
    await lane.start();
    for (let i = 0; i < samples; i++) await guarded(lane, () => lane.deploy(APPS[i % APPS.length]!, ["4"]));
  } finally {
    await c.close();
  }
}

/** C3 at phase boundaries: A paused (SIGSTOP) past its lock, B takes over and finishes, A resumed (SIGCONT). */
interface PauseCounts { launches: number; staleEdits: number; lockReleased: number; journal: number; lostSeen: number; runs: number }

async function runPauses(rounds: number): Promise<Record<string, PauseCounts>> {
  const out: Record<string, PauseCounts> = {};
  const c = await CrashLab.start({ lab: { stepMs: 400 }, progressEditMs: 1_000, pollMs: 100 });
  try {
    for (let r = 0; r < rounds; r++) {
      try {
      for (const phase of ["before-intent", "after-post", "polling"] as const) {
        const app = APPS[(r * 3 + ["before-intent", "after-post", "polling"].indexOf(phase)) % APPS.length]!;
        const a = c.spawnWorker();
        await a.ready;
        const arrival = phase === "before-intent" ? c.holdAap("GET", LAUNCH, "delay", { delayMs: 200 }) : phase === "after-post" ? c.holdAap("POST", LAUNCH, "delay", { delayMs: 200 }) : undefined;
        const jobId = (await c.run(`/deploy ${app}`)).jobId!;
        if (arrival) await within(arrival, 30_000, `pause ${phase}`);
        else await c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.some((e) => (e.msg.lines ?? []).some((l) => / running · .*task /.test(l))), 30_000, "polling");
        a.signal("SIGSTOP");
        const b = c.spawnWorker();
        let lockReleased = 0;
        if (phase === "polling") await c.final(jobId, 60_000);
        else await c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.some((e) => e.child === b.label && e.msg.link !== undefined), 30_000, "B following the AAP job");
        const tCont = a.signal("SIGCONT");
        const lost = await c.waitFor(() => c.logs(a.label).find((l) => l.msg === LOST), 20_000, "A lost").catch(() => undefined);
        const bDone = () => c.book.refresh().forJob(jobId)[0]!.entries.some((e) => e.child === b.label && ["success", "failure"].includes(e.msg.state));
        if (phase !== "polling" && (await c.labops.redis.get(`${c.config.redis.prefix}:lock:app:${app}`)) !== jobId && !bDone()) lockReleased = 1;
        await c.final(jobId, 60_000);
        await new Promise((res) => setTimeout(res, 1_500));
        const msg = c.book.refresh().forJob(jobId)[0]!;
        const o = (out[phase] ??= { launches: 0, staleEdits: 0, lockReleased: 0, journal: 0, lostSeen: 0, runs: 0 });
        o.runs++;
        o.launches += c.lab.aap.launches().filter((l) => String(l.extraVars.labops_correlation).startsWith(`${jobId}/`)).length;
        o.staleEdits += msg.entries.filter((e) => e.child === a.label && e.t >= tCont).length + (msg.entries.at(-1)!.msg.state === "success" ? 0 : 1);
        o.lockReleased += lockReleased;
        o.journal += c.lab.nautobot.journal().filter((j) => j.comments.includes(`labops job ${jobId}`)).length;
        o.lostSeen += lost ? 1 : 0;
        await c.stopAll();
      }
      } catch (err) {
        tally.violations.push(`pause round ${r}: ${(err as Error).message}`);
        c.lab.aap.http.clearFaults();
        await c.stopAll();
      }
    }
  } finally {
    await c.close();
  }
  return out;
}

/** Staged demonstrations of the windows that are documented, not closed (docs/RELIABILITY.md). */
async function runWindows(): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  // W1: check-then-POST. A passed its ownership check and sent the POST; AAP processes it only after B took over.
  {
    const c = await CrashLab.start({ lab: { stepMs: 150 } });
    try {
      const a = c.spawnWorker();
      await a.ready;
      const arrival = new Promise<void>((resolve) => c.lab.aap.http.inject({ method: "POST", path: LAUNCH, times: 1, delayMs: 8_000, onMatch: () => resolve() }));
      const jobId = (await c.run("/deploy traefik")).jobId!;
      await arrival;
      a.signal("SIGSTOP");
      c.spawnWorker();
      await c.final(jobId, 60_000);
      await new Promise((r) => setTimeout(r, 8_000));
      const n = c.lab.aap.launches().filter((l) => String(l.extraVars.labops_correlation).startsWith(`${jobId}/`)).length;
      out["W1 check-then-POST (POST in flight > lock + stalled check)"] = `${n} AAP launches for one job (expected 2: the window exists)`;
    } finally {
      await c.close();
    }
  }
  // W2: the progress message was posted, the worker died before saving its ref.
  {
    const c = await CrashLab.start();
    try {
      const a = c.spawnWorker({ dieAfterPosts: 1 });
      await a.ready;
      const jobId = (await c.run("/deploy grafana")).jobId!;
      await a.exited;
      c.spawnWorker();
      await c.final(jobId, 60_000);
      out["W2 post → save(progressRef)"] = `${c.book.forJob(jobId).length} messages for one job (the first stays at "queued"); ${c.lab.aap.launches().filter((l) => l.extraVars.app === "grafana").length} AAP launch`;
    } finally {
      await c.close();
    }
  }
  return out;
}

async function within<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (t = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(t);
  }
}

function pct(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((q / 100) * s.length) - 1)]! : NaN;
}

async function machine(): Promise<string[]> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const version = /redis_version:(\S+)/.exec(await redis.info("server"))?.[1] ?? "?";
  redis.disconnect();
  const sh = (cmd: string) => execSync(cmd, { encoding: "utf8" }).trim();
  return [`nproc ${sh("nproc")}; node ${process.version}; redis ${version}`, ...sh("free -h").split("\n")];
}

const t0 = Date.now();
console.log("crash soak:", JSON.stringify(opts));
for (const l of await machine()) console.log(`  ${l}`);
const budget = opts.kills - opts.c2;
const [pauses] = await Promise.all([
  opts.pauses > 0 ? runPauses(opts.pauses) : Promise.resolve({} as Record<string, PauseCounts>),
  ...Array.from({ length: opts.lanes }, (_, i) => runLane(i + 1, budget)),
  opts.c2 > 0 ? runC2(opts.c2) : Promise.resolve(),
]);
const windows = opts.windows ? await runWindows() : {};

const ms = (xs: number[]) => xs.length ? `n=${xs.length} p50 ${pct(xs, 50)} / p99 ${pct(xs, 99)} / max ${Math.max(...xs)} ms` : "n=0";
console.log(`\nkills: ${kills()} total ${JSON.stringify(tally.kills)}`);
console.log(`jobs: ${tally.jobs} started, ${tally.finished} reached a final message (lost = ${tally.jobs - tally.finished}); phase-4 kills skipped (AAP job already done ${tally.skipped4}, no polling edit seen in 30 s ${tally.triggerTimeouts})`);
console.log(`duplicates: AAP launches ${tally.duplicateLaunches}, TrueNAS snapshot/rename/delete ${tally.duplicateTrueNas}, journal entries ${tally.duplicateJournal}, extra messages ${tally.extraMessages}, extra final states ${tally.extraFinals}, double completions ${tally.doubleCompletions}`);
console.log(`re-attach (kill → first edit by the next worker), lock 2 s / stalled 1 s: ${ms(tally.reattachMs)}`);
console.log(`C2 re-attach, lock 10 s / stalled 5 s: ${ms(tally.c2Ms)}`);
for (const [phase, o] of Object.entries(pauses)) {
  console.log(`C3 pause ${phase}: ${o.runs} runs, AAP launches ${o.launches}, stale edits/overwritten finals ${o.staleEdits}, target lock released under the new owner ${o.lockReleased}, lost ownership noticed ${o.lostSeen}, journal entries ${o.journal}`);
}
for (const [w, r] of Object.entries(windows)) console.log(`window ${w}: ${r}`);
if (tally.violations.length) console.log(`violations:\n  ${tally.violations.join("\n  ")}`);
console.log(`elapsed ${((Date.now() - t0) / 1000).toFixed(0)} s`);
process.exit(tally.violations.length ? 1 : 0);
