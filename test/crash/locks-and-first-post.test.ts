import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FakeDiscord } from "../../lab/discord/fake-discord.ts";
import type { Obj } from "../../lab/discord/objects.ts";
import { CrashLab, type WorkerChild } from "../helpers/crash-harness.ts";

const MESSAGES = /^\/api\/v10\/channels\/\d+\/messages$/;

/**
 * Findings 5 and 10 with real processes: a worker `kill -9`ed (1) between its first Discord post and saving the
 * message's reference, (2) while following a running AAP job, with a lock lease far shorter than the takeover.
 */
describe("worker kill -9 between the first Discord post and saving its reference", () => {
  let c: CrashLab;
  const discord = new FakeDiscord();
  const spawn = (): WorkerChild => c.spawnWorker({ discord: { api: discord.apiUrl, token: discord.token } });
  beforeAll(async () => {
    await discord.start();
    c = await CrashLab.start();
  });
  afterAll(async () => {
    await c?.close();
    await discord.close();
  });

  it("a kill between the post and saving its reference: the next worker's post returns the same message (enforced nonce); nothing launched before the post", async () => {
    const ch = discord.channel("ops");
    const w1 = spawn();
    await w1.ready;
    let launchesAtKill = -1;
    // Discord creates the message; the worker dies before it sees the answer (so before it can save the reference).
    discord.http.inject({
      method: "POST", path: MESSAGES, times: 1, holdResponse: true,
      onMatch: () => {
        launchesAtKill = c.lab.aap.launches().length;
        w1.signal("SIGKILL");
      },
    });
    const ack = await c.run("/deploy grafana", { platform: "discord", channel: ch });
    const jobId = ack.jobId!;
    await w1.exited;
    expect(launchesAtKill).toBe(0); // the post came first
    expect((await c.jobState(jobId)).progressRef).toBeUndefined();
    spawn();
    const forJob = () => discord.messages(ch).filter((m) => JSON.stringify(m.history[0]).includes(jobId));
    const final = await c.waitFor(() => forJob().find((m) => String(((m.object.embeds as Obj[])[0] ?? {}).title).startsWith("✅")), 60_000, "the final Discord message");
    expect(forJob()).toHaveLength(1);
    const posts = discord.calls.filter((x) => x.method === "POST" && MESSAGES.test(x.path) && (x.body as Obj).nonce === `labops-${jobId}`);
    expect(posts).toHaveLength(2); // the first worker's post and the next worker's repeat, answered with the same message
    expect(final.history.length).toBeGreaterThan(1);
    expect(c.lab.aap.launches().filter((l) => l.extraVars.app === "grafana")).toHaveLength(1);
  }, 120_000);
});

describe("worker kill -9 while following an AAP job, target lease 1 s", () => {
  let c: CrashLab;
  beforeAll(async () => {
    // AAP jobs stay pending 12 s: the first deploy's job still runs when the second deploy is picked up.
    c = await CrashLab.start({ lab: { aap: { pendingMs: 12_000 } } });
  });
  afterAll(async () => {
    await c?.close();
  });

  it("a kill while following the AAP job, lease 1 s: a second /deploy of the app waits until the re-attached job ends; never two runs at once", async () => {
    const spawn = (): WorkerChild => c.spawnWorker({ lockLeaseMs: 1_000 });
    const w = spawn();
    await w.ready;
    const polled = c.holdAapPoll();
    const a = await c.run("/deploy traefik");
    await polled; // launched, id saved, following
    const aapJob = (await c.jobState(a.jobId!)).deploy as { jobId: number };
    await c.kill9(w);
    const b = await c.run("/deploy traefik --check");
    await new Promise((r) => setTimeout(r, 1_500)); // the dead worker's target lease has lapsed
    spawn();
    const [fa, fb] = await Promise.all([c.final(a.jobId!, 90_000), c.final(b.jobId!, 90_000)]);
    expect([fa.entries.at(-1)!.msg.state, fb.entries.at(-1)!.msg.state]).toEqual(["success", "success"]);
    expect(c.lab.aap.maxConcurrent("Master Deploy", "traefik")).toBe(1);
    const launches = c.lab.aap.launches().filter((l) => l.extraVars.app === "traefik");
    expect(launches).toHaveLength(2);
    expect(launches[0]!.jobId).toBe(aapJob.jobId);
    const lines = fb.entries.flatMap((e) => e.msg.lines ?? []);
    expect(lines).toContain(`Job \`${b.jobId}\` is waiting for \`app:traefik\`: behind job \`${a.jobId}\`, whose AAP job ${aapJob.jobId} may still be running, position 1 in line.`);
  }, 120_000);
});
