import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { CrashLab, type Arrival, type WorkerChild } from "../helpers/crash-harness.ts";

/**
 * perf-reliability C1/C2 (CI tier): a worker process is `kill -9`ed at each phase of a /deploy; a fresh worker
 * process takes the job over. AAP must see one launch, the person one message that continues to one final state.
 */
const LAUNCH = /\/job_templates\/\d+\/launch\/$/;

describe("worker kill -9 during /deploy (real processes, lockDuration 2 s / stalledInterval 1 s)", () => {
  let c: CrashLab;
  let worker: WorkerChild;
  const reattachMs: Record<string, number> = {};
  beforeAll(async () => {
    c = await CrashLab.start();
    worker = c.spawnWorker();
    await worker.ready;
  });
  afterAll(async () => {
    console.info(`re-attach time (kill → first edit by the next worker), ms: ${JSON.stringify(reattachMs)}`);
    await c?.close();
  });

  /** Deploys `app`, kills the worker when `trigger` fires, starts the next one, and checks exactly-once and continuity. */
  async function deployThroughKill(app: string, phase: string, arm: () => Arrival | undefined, atKill: "intent" | "id", trigger?: (jobId: string) => Promise<number>) {
    const posts0 = c.lab.aap.http.count("POST", LAUNCH);
    const arrival = arm();
    const ack = await c.run(`/deploy ${app}`);
    expect(ack.state).toBe("queued");
    const jobId = ack.jobId!;
    await (arrival ?? trigger!(jobId));
    // What the job had persisted when it was killed: the launch intent only, or the AAP job id too.
    const atKillState = (await c.jobState(jobId)).deploy as { correlation?: string; jobId?: number } | undefined;
    expect(atKillState?.correlation).toBe(`${jobId}/deploy/1`);
    expect(atKillState?.jobId !== undefined).toBe(atKill === "id");
    const killed = worker;
    const tKill = await c.kill9(killed);
    worker = c.spawnWorker();
    const msg = await c.final(jobId);

    // One AAP launch for this deploy, one per correlation id, and it is the job the message reports.
    const launches = c.lab.aap.launches().filter((l) => l.templateName === "Master Deploy" && l.extraVars.app === app);
    expect(launches).toHaveLength(1);
    expect([...c.launchesByCorrelation("Master Deploy").values()].every((n) => n === 1)).toBe(true);
    expect(launches[0]!.extraVars.labops_correlation).toBe(`${jobId}/deploy/1`);
    const state = await c.jobState(jobId);
    expect(state.deploy).toMatchObject({ jobId: launches[0]!.jobId });
    const last = msg.entries.at(-1)!.msg;
    expect(last.state).toBe("success");
    expect(renderText(last)).toContain(`AAP job ${launches[0]!.jobId} successful`);

    // The same message continued: one message for the job, edited by both generations, one final state, last.
    expect(c.book.forJob(jobId)).toHaveLength(1);
    expect(msg.entries.filter((e) => e.kind === "post")).toHaveLength(1);
    expect(msg.entries.some((e) => e.child === killed.label)).toBe(true);
    const byNext = msg.entries.filter((e) => e.child === worker.label);
    expect(byNext.length).toBeGreaterThan(0);
    expect(byNext.every((e) => e.kind === "edit")).toBe(true);
    expect(c.book.finals(msg)).toHaveLength(1);
    reattachMs[phase] = byNext[0]!.t - tKill;
    expect(reattachMs[phase]).toBeLessThan(10_000);

    // Side effects after the deploy happened once: one journal entry, and BullMQ completed the job once.
    expect(c.lab.nautobot.journal().filter((j) => j.comments.includes(`labops job ${jobId}`))).toHaveLength(1);
    await c.waitFor(async () => (await c.completions(jobId)) >= 1, 5_000, "completion");
    expect(await c.completions(jobId)).toBe(1);
    return { jobId, msg, posts: c.lab.aap.http.count("POST", LAUNCH) - posts0, next: worker };
  }

  it("phase 1, before the launch POST (intent saved, AAP never processed the POST): one launch after the restart", async () => {
    const r = await deployThroughKill("traefik", "1-before-post", () => c.holdAap("POST", LAUNCH, "unprocessed"), "intent");
    expect(r.posts).toBe(2); // the held POST never reached AAP's logic; the next worker found no job and launched once
    expect(r.msg.entries.some((e) => e.child === r.next.label && (e.msg.lines ?? []).some((l) => l.includes("Resuming")))).toBe(true);
  });

  it("phase 2, the POST reached AAP but the worker died before it saved the id: the next worker re-attaches, no relaunch", async () => {
    const r = await deployThroughKill("grafana", "2-after-post", () => c.holdAap("POST", LAUNCH, "response"), "intent");
    expect(r.posts).toBe(1);
    expect(c.logs(r.next.label).some((l) => l.msg === "re-attached to a job launched before a crash")).toBe(true);
  });

  it("phase 3, after the id was saved, before the first poll: re-attaches to the saved id", async () => {
    const r = await deployThroughKill("portainer", "3-id-saved", () => c.holdAapPoll(), "id");
    expect(r.posts).toBe(1);
  });

  it("phase 4, while polling a running AAP job: re-attaches and follows it to the end", async () => {
    const r = await deployThroughKill("jellyfin", "4-polling", () => undefined, "id", (jobId) =>
      c.waitFor(() => c.book.refresh().forJob(jobId)[0]?.entries.some((e) => (e.msg.lines ?? []).some((l) => / running · .*task /.test(l))) && Date.now(), 10_000, "AAP job running"));
    expect(r.posts).toBe(1);
  });
});
