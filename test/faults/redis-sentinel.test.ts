import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { addHealthRoutes } from "../../src/http/health-routes.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { readinessChecks } from "../../src/readiness-checks.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { startSentinelCluster, type SentinelCluster } from "../helpers/sentinel-cluster.ts";

const N = Number(process.env.SENTINEL_DEPLOYS ?? 60);
const APPS = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "vaultwarden"];

/**
 * Redis Sentinel failover under load: a master, a replica and three sentinels of Debian's redis on loopback.
 * The master is killed with SIGKILL in the middle of N deploys; every acknowledged deploy must still run
 * to its final message, workers must consume again within 10 s, and /readyz must say what happened.
 */
describe("Redis Sentinel: kill -9 of the master during deploys", () => {
  let cluster: SentinelCluster;
  let h: Harness;
  let http: HttpServer;
  let base: string;
  const activeAt: number[] = [];

  beforeAll(async () => {
    cluster = await startSentinelCluster();
    h = await createHarness({
      env: { REDIS_URL: "redis://127.0.0.1:1/0", REDIS_SENTINELS: cluster.sentinels, REDIS_SENTINEL_MASTER: cluster.master },
      worker: { lockDurationMs: 3_000, stalledIntervalMs: 1_500, lockRetryMs: 100 },
    });
    h.labops.worker!.worker.on("active", () => activeAt.push(performance.now()));
    http = new HttpServer(createLogger({ level: "silent" }));
    addHealthRoutes(http, readinessChecks(h.labops), 500);
    base = await http.listen(0, "127.0.0.1");
  }, 60_000);
  afterAll(async () => {
    await http?.close();
    await h?.close();
    await cluster?.stop();
  });

  const readyz = async () => {
    const res = await fetch(`${base}/readyz`);
    return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
  };

  it("follows the master the sentinels name, and waits for a replica before acknowledging", async () => {
    expect(h.config.redis.waitReplicas).toBe(1);
    // Both connections ask the sentinels for the master first; ready once they are connected to it.
    const r = await waitUntil(async () => { const x = await readyz(); return x.status === 200 ? x : undefined; }, 10_000, "/readyz 200");
    expect(r.body.checks.redis).toBe("ok");
    const ack = await h.run("/deploy grafana");
    expect(ack.state, renderText(ack)).toBe("queued");
    expect((await h.notifier.final(ack.jobId!, 20_000)).state).toBe("success");
  }, 30_000);

  it(`keeps every acknowledged deploy of ${N} across a failover; workers consume again within 10 s`, async () => {
    const oldMaster = await cluster.masterPort();
    const acked: string[] = [];
    const refused: string[] = [];
    let killedAt = 0;
    let readyDuring: { status: number; checks: Record<string, string> } | undefined;
    const send = async (i: number) => {
      const actor: Actor = { platform: "terminal", id: `op-${i % 4}`, name: "tester", groups: [] };
      const ack: Message = await h.run(`/deploy ${APPS[i % APPS.length]}`, actor);
      if (ack.state === "queued") acked.push(ack.jobId!);
      else refused.push(renderText(ack));
      return ack.state === "queued";
    };
    let i = 0;
    for (; i < N / 3; i++) expect(await send(i)).toBe(true);
    await cluster.killMaster();
    killedAt = performance.now();
    await waitUntil(() => h.labops.redis.status !== "ready" || undefined, 5_000, "the producer to notice");
    const down = await readyz();
    readyDuring = { status: down.status, checks: down.body.checks };
    // While there is no master: commands keep coming, one every 100 ms, until the producer is back.
    while (h.labops.redis.status !== "ready" && performance.now() - killedAt < 30_000) {
      await send(i++);
      await new Promise((r) => setTimeout(r, 100));
    }
    const backMs = performance.now() - killedAt;
    // After the failover every command is acknowledged again.
    for (; i < N + refused.length; i++) expect(await send(i)).toBe(true);
    // /readyz said Redis was down while the master was gone.
    expect(readyDuring!.status).toBe(503);
    expect(readyDuring!.checks.redis).not.toBe("ok");
    // Refusals happen only while there is no master, and say nothing was queued.
    for (const r of refused) expect(r).toMatch(/queue is unavailable|answering too slowly/);
    await waitUntil(async () => (await cluster.masterPort()) !== oldMaster || undefined, 20_000, "the sentinels to promote the replica");
    const firstActiveAfter = await waitUntil(() => activeAt.find((t) => t > killedAt) ?? undefined, 20_000, "a worker to take a job after the failover", 20);
    const resumeMs = firstActiveAfter - killedAt;
    // Every acknowledged deploy ends with its final message; none is lost with the old master.
    for (const id of acked) expect((await h.notifier.final(id, 60_000)).state, id).toBe("success");
    const launches = h.lab.aap.launches().filter((l) => l.templateName === "Master Deploy");
    const perJob = new Map<string, number>();
    for (const l of launches) {
      const c = String((l.extraVars as Record<string, unknown>).labops_correlation ?? "").split("/")[0]!;
      perJob.set(c, (perJob.get(c) ?? 0) + 1);
    }
    const duplicates = [...perJob.values()].filter((n) => n > 1).length;
    console.log(`sentinel failover: ${acked.length} acknowledged, ${refused.length} refused while no master (producer back after ${backMs.toFixed(0)} ms), ` +
      `kill → first job taken ${resumeMs.toFixed(0)} ms, ${launches.length} Master Deploy launches, ${duplicates} labops jobs launched twice`);
    expect(resumeMs).toBeLessThan(10_000);
    expect(acked.length).toBe(N);
    expect((await readyz()).status).toBe(200);
  }, 120_000);
});
