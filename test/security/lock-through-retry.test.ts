import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "../helpers/harness.ts";

/**
 * Finding 5: a deploy whose attempt fails AFTER its AAP job was launched goes into retry backoff while that
 * AAP job runs on. The target lock must stay taken through the backoff: a second /deploy of the same app
 * waits, and AAP never runs two Master Deploy jobs of one app at once (the fake AAP counts overlap).
 */
describe("target lock held while the AAP job runs, through retry backoff", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      lab: { stepMs: 120, aap: { pendingMs: 4_000 } }, // each AAP job runs ~6 s: well past the backoff below
      tweak: (c) => {
        c.limits.retryBackoff = 1_500;
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("a second /deploy during the first one's backoff waits; no two Master Deploy runs of one app overlap", async () => {
    // The first attempt fails after its launch: the shared status poll of followed AAP jobs answers 500
    // (three times: the client retries an idempotent GET twice), a retryable failure.
    let launched = 0;
    h.lab.aap.http.inject({ method: "POST", path: /\/job_templates\/\d+\/launch\/$/, times: 1, onMatch: () => (launched = Date.now()) });
    h.lab.aap.http.inject({ method: "GET", path: /\/jobs\/$/, status: 500, body: { detail: "A server error occurred." }, times: 3, match: (r) => r.query.has("id__in") });
    const a = await h.run("/deploy traefik");
    const retrying = await h.notifier.waitFor((m) => m.history.some((x) => (x.lines ?? []).some((l) => l.startsWith("Attempt 1 of 3 failed; retrying"))), 20_000);
    expect(launched).toBeGreaterThan(0);
    const firstAap = h.lab.aap.launches().filter((l) => l.extraVars.app === "traefik");
    expect(firstAap).toHaveLength(1);
    expect(["pending", "waiting", "running"]).toContain(h.lab.aap.job(firstAap[0]!.jobId)!.status); // still running in AAP
    expect(retrying.history[0]!.lines!.join(" ")).toContain(a.jobId!);
    // /status lists the target as taken, with the AAP job that keeps it (from the set of held targets, no key scan).
    expect(await h.labops.ack.locks.list()).toContainEqual({ target: "app:traefik", holder: a.jobId, waiting: [], remote: `aap:${firstAap[0]!.jobId}` });

    // During the backoff: the same app again.
    const b = await h.run("/deploy traefik --check");
    const [fa, fb] = await Promise.all([h.notifier.final(a.jobId!, 30_000), h.notifier.final(b.jobId!, 30_000)]);
    expect([fa.state, fb.state]).toEqual(["success", "success"]);

    const launches = h.lab.aap.launches().filter((l) => l.templateName === "Master Deploy" && l.extraVars.app === "traefik");
    expect(launches).toHaveLength(2); // one per labops job: the retry re-attached instead of relaunching
    expect(h.lab.aap.maxConcurrent("Master Deploy", "traefik")).toBe(1);
    // The second job waited behind the first and said so.
    const waited = h.notifier.forJob(b.jobId!)!.history.flatMap((x) => x.lines ?? []);
    expect(waited.some((l) => l.startsWith(`Job \`${b.jobId}\` is waiting for \`app:traefik\`: behind job \`${a.jobId}\``))).toBe(true);
    // The second AAP job was launched only after the first one finished.
    const first = h.lab.aap.job(launches[0]!.jobId)!;
    expect(first.status).toBe("successful");
    expect(await h.labops.ack.locks.list()).toEqual([]);
  });

  it("a job canceled during its backoff leaves the app taken while its AAP job runs: the next /deploy waits for that job", async () => {
    h.lab.aap.http.inject({ method: "GET", path: /\/jobs\/$/, status: 500, body: { detail: "A server error occurred." }, times: 3, match: (r) => r.query.has("id__in") });
    const before = h.lab.aap.launches().length;
    const a = await h.run("/deploy grafana");
    await h.notifier.waitFor((m) => (m.history[0]?.lines ?? []).some((l) => l.includes(a.jobId!)) && m.history.some((x) => (x.lines ?? []).some((l) => l.startsWith("Attempt 1 of 3 failed"))), 20_000);
    const canceled = await h.run(`/cancel ${a.jobId}`);
    expect(canceled.state).toBe("canceled");
    const first = h.lab.aap.launches().slice(before).find((l) => l.extraVars.app === "grafana")!;
    expect(["pending", "waiting", "running"]).toContain(h.lab.aap.job(first.jobId)!.status);
    const b = await h.run("/deploy grafana");
    expect((await h.notifier.final(b.jobId!, 30_000)).state).toBe("success");
    expect(h.lab.aap.maxConcurrent("Master Deploy", "grafana")).toBe(1);
    const waited = h.notifier.forJob(b.jobId!)!.history.flatMap((x) => x.lines ?? []);
    // Behind the canceled job: its lease (while /cancel stops its AAP job) or its guard (until AAP reports the job finished).
    expect(waited.some((l) => l.startsWith(`Job \`${b.jobId}\` is waiting for \`app:grafana\`: behind job \`${a.jobId}\``))).toBe(true);
  }, 60_000);
});

