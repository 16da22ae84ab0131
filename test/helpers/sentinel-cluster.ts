import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { freePort } from "../../lab/private-redis.ts";
import { redisAnswers } from "../../src/queue/redis.ts";

export interface SentinelCluster {
  master: string;
  /** `host:port,…` for REDIS_SENTINELS. */
  sentinels: string;
  /** The port currently master according to the sentinels. */
  masterPort(): Promise<number>;
  /** kill -9 of the process that is master now; resolves with its port. */
  killMaster(): Promise<number>;
  stop(): Promise<void>;
}

/**
 * A master, a replica and three sentinels (quorum 2) of Debian's redis-server / redis-sentinel on free
 * loopback ports, each with its own directory: failover in about 2 s (down-after 1 s).
 */
export async function startSentinelCluster(master = "labops"): Promise<SentinelCluster> {
  const dir = mkdtempSync(join(tmpdir(), "labops-sentinel-"));
  const procs = new Map<number, ChildProcess>();
  const redisServer = async (port: number, extra: string[]) => {
    const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--dbfilename", `dump-${port}.rdb`,
      "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", join(dir, `redis-${port}.log`), ...extra], { stdio: "ignore" });
    procs.set(port, child);
    for (let i = 0; i < 100 && !(await redisAnswers(`redis://127.0.0.1:${port}`, 200)); i++) await sleep(50);
  };
  const mPort = await freePort();
  const rPort = await freePort();
  await redisServer(mPort, []);
  await redisServer(rPort, ["--replicaof", "127.0.0.1", String(mPort)]);
  const sPorts = [await freePort(), await freePort(), await freePort()];
  for (const p of sPorts) {
    const conf = join(dir, `sentinel-${p}.conf`);
    writeFileSync(conf, [
      `port ${p}`, "bind 127.0.0.1", `dir ${dir}`, `logfile ${join(dir, `sentinel-${p}.log`)}`,
      `sentinel monitor ${master} 127.0.0.1 ${mPort} 2`,
      `sentinel down-after-milliseconds ${master} 1000`,
      `sentinel failover-timeout ${master} 4000`,
      `sentinel parallel-syncs ${master} 1`, "",
    ].join("\n"));
    const child = spawn("redis-sentinel", [conf], { stdio: "ignore" });
    procs.set(p, child);
  }
  const ask = async <T>(port: number, ...args: string[]): Promise<T> => {
    const r = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on("error", () => {});
    try {
      await r.connect();
      return (await r.call(args[0]!, ...args.slice(1))) as T;
    } finally {
      r.disconnect();
    }
  };
  // Ready when every sentinel knows the replica and the two other sentinels (needed to elect a leader).
  for (let i = 0; i < 200; i++) {
    const known = await Promise.all(sPorts.map(async (p) => {
      const replicas = await ask<unknown[]>(p, "SENTINEL", "REPLICAS", master).catch(() => []);
      const others = await ask<unknown[]>(p, "SENTINEL", "SENTINELS", master).catch(() => []);
      return replicas.length >= 1 && others.length >= 2;
    }));
    if (known.every(Boolean)) break;
    await sleep(100);
  }
  const cluster: SentinelCluster = {
    master,
    sentinels: sPorts.map((p) => `127.0.0.1:${p}`).join(","),
    async masterPort() {
      const [, port] = await ask<[string, string]>(sPorts[0]!, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", master);
      return Number(port);
    },
    async killMaster() {
      const port = await cluster.masterPort();
      const p = procs.get(port)!;
      await new Promise<void>((r) => (p.once("exit", () => r()), p.kill("SIGKILL")));
      procs.delete(port);
      return port;
    },
    async stop() {
      await Promise.all([...procs.values()].map((p) => new Promise<void>((r) => {
        if (p.exitCode !== null || p.signalCode !== null) return r();
        p.once("exit", () => r());
        p.kill("SIGKILL");
      })));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return cluster;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
