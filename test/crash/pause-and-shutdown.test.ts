import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { CrashLab } from "../helpers/crash-harness.ts";

/**
 * perf-reliability C3 (a worker paused past its lock, then resumed) and C6 (graceful SIGTERM mid-deploy),
 * with real processes and real signals. Slower fake AAP steps (150 ms) keep the deploy running across the signals.
 */
const LAUNCH = /\/job_templates\/\d+\/launch\/$/;
const LAUNCH_INFO = /\/job_templates\/\d+\/launch\/$/;

describe("worker SIGSTOP past its lock, and SIGTERM mid-deploy", () => {
  let c: CrashLab;
  beforeAll(async () => {
    c = await CrashLab.start({ lab: { stepMs: 150 }, progressEditMs: 1_000, pollMs: 100 });
  });
  afterEach(async () => {
    await c.stopAll();
  });
  afterAll(async () => {
    await c?.close();
  });

  it("C3: a worker paused past its lock resumes, finds it lost the job, and stops without touching AAP, the message or the target lock", async () => {
    const a = c.spawnWorker();
    await a.ready;
    // A is paused right after asking AAP for the launch requirements, i.e. just before its intent save and POST.
    const asked = c.holdAap("GET", LAUNCH_INFO, "delay", { delayMs: 200 });
    const ack = await c.run("/deploy uptime-kuma");
    const jobId = ack.jobId!;
    await asked;
    const tStop = a.signal("SIGSTOP");
    const b = c.spawnWorker();
    // B takes the job over once A's lock (2 s) expires, launches once, and is following the AAP job.
    await c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.some((e) => e.child === b.label && (e.msg.lines ?? []).some((l) => / running · /.test(l))), 15_000, "B following the AAP job");
    const paused = Date.now() - tStop;
    expect(paused).toBeGreaterThan(c.opts.lockDurationMs);
    const tCont = a.signal("SIGCONT");
    const lost = await c.waitFor(() => c.logs(a.label).find((l) => l.msg === "lost ownership of the job; another worker continues it"), 10_000, "A notices it lost the job");
    expect(lost.jobId).toBe(jobId);
    // B still runs the deploy and still holds the per-target lock (A must not release it on its way out).
    expect(await c.labops.redis.get(`${c.config.redis.prefix}:lock:app:uptime-kuma`)).toBe(jobId);

    const msg = await c.final(jobId);
    expect(msg.entries.at(-1)!.msg.state).toBe("success");
    // Exactly one launch (B's): A stopped at its ownership check before the POST.
    const launches = c.lab.aap.launches().filter((l) => l.extraVars.app === "uptime-kuma");
    expect(launches).toHaveLength(1);
    expect(c.lab.aap.http.requests.filter((r) => r.method === "POST" && LAUNCH.test(r.path))).toHaveLength(1);
    expect(renderText(msg.entries.at(-1)!.msg)).toContain(`AAP job ${launches[0]!.jobId} successful`);
    // A wrote nothing to the chat after it resumed; one message, one final state.
    expect(msg.entries.filter((e) => e.child === a.label && e.t >= tCont)).toEqual([]);
    expect(c.book.forJob(jobId)).toHaveLength(1);
    expect(c.book.finals(msg)).toHaveLength(1);
    await c.waitFor(async () => (await c.completions(jobId)) >= 1, 5_000, "completion");
    expect(await c.completions(jobId)).toBe(1);
    expect(c.lab.nautobot.journal().filter((j) => j.comments.includes(`labops job ${jobId}`))).toHaveLength(1);
  });

  it("C3: a worker resumed after the new owner finished does not overwrite the final message with its stale progress", async () => {
    const a = c.spawnWorker();
    await a.ready;
    const asked = c.holdAap("GET", LAUNCH_INFO, "delay", { delayMs: 200 });
    const ack = await c.run("/deploy grafana");
    const jobId = ack.jobId!;
    await asked;
    a.signal("SIGSTOP"); // with a "Launching…" edit still pending (edits are coalesced 1 s apart)
    c.spawnWorker();
    const done = await c.final(jobId);
    const tCont = a.signal("SIGCONT");
    await c.waitFor(() => c.logs(a.label).find((l) => l.msg === "lost ownership of the job; another worker continues it"), 10_000, "A notices it lost the job");
    await new Promise((r) => setTimeout(r, c.opts.progressEditMs + 200)); // past A's coalescing interval
    const msg = c.book.refresh().forJob(jobId)[0]!;
    expect(msg.entries.filter((e) => e.child === a.label && e.t >= tCont)).toEqual([]);
    expect(msg.entries.at(-1)).toEqual(done.entries.at(-1));
    expect(msg.entries.at(-1)!.msg.state).toBe("success");
    expect(c.lab.aap.launches().filter((l) => l.extraVars.app === "grafana")).toHaveLength(1);
  });

  it("C6: SIGTERM mid-deploy hands the job back with its AAP id, exits 0 within 10 s, and the next worker re-attaches", async () => {
    const a = c.spawnWorker();
    await a.ready;
    const ack = await c.run("/deploy vaultwarden");
    const jobId = ack.jobId!;
    await c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.some((e) => (e.msg.lines ?? []).some((l) => / running · .*task /.test(l))), 10_000, "AAP job running");
    const tTerm = a.signal("SIGTERM");
    const exit = await a.exited;
    expect(exit.code).toBe(0);
    expect(exit.t - tTerm).toBeLessThan(10_000);
    const state = await c.jobState(jobId);
    const aapId = c.lab.aap.launches().find((l) => l.extraVars.app === "vaultwarden")!.jobId;
    expect(state).toMatchObject({ handedBack: true, deploy: { jobId: aapId } });
    expect(c.logs(a.label).some((l) => l.msg === "handing job back on shutdown")).toBe(true);

    const b = c.spawnWorker();
    const msg = await c.final(jobId);
    expect(msg.entries.at(-1)!.msg.state).toBe("success");
    expect(renderText(msg.entries.at(-1)!.msg)).toContain(`AAP job ${aapId} successful`);
    expect(c.lab.aap.launches().filter((l) => l.extraVars.app === "vaultwarden")).toHaveLength(1);
    const byB = msg.entries.filter((e) => e.child === b.label);
    expect(byB[0]!.kind).toBe("edit");
    expect(byB.some((e) => (e.msg.lines ?? []).some((l) => l.includes("Resuming")))).toBe(true);
    expect(c.book.forJob(jobId)).toHaveLength(1);
    expect(c.book.finals(msg)).toHaveLength(1);
    expect((await c.jobState(jobId)).handedBack).toBe(false);
    await c.waitFor(async () => (await c.completions(jobId)) >= 1, 5_000, "completion");
    expect(await c.completions(jobId)).toBe(1);
    console.info(`SIGTERM → exit ${exit.t - tTerm} ms; exit → first edit by the next worker ${byB[0]!.t - exit.t} ms`);
  });
});
