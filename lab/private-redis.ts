import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { redisAnswers } from "../src/queue/redis.ts";

export interface PrivateRedis {
  url: string;
  port: number;
  dir: string;
  process: ChildProcess;
  /** kill -9 (for crash tests); `restart()` brings it back on the same port and data directory. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function redisServerInstalled(): boolean {
  return spawnSync("redis-server", ["--version"], { stdio: "ignore" }).status === 0;
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/**
 * A redis-server of our own on a free loopback port with its own data directory (AOF on when asked):
 * for the demo when nothing answers at REDIS_URL, and for crash tests, never touching the shared one.
 */
export async function startPrivateRedis(opts: { aof?: boolean } = {}): Promise<PrivateRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "labops-redis-"));
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "",
    "--appendonly", opts.aof ? "yes" : "no", "--appendfsync", "everysec", "--daemonize", "no", "--logfile", join(dir, "redis.log")];
  const url = `redis://127.0.0.1:${port}`;
  const launch = async () => {
    const child = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 100; i++) {
      if (await redisAnswers(url, 200)) return child;
      await new Promise((r) => setTimeout(r, 50));
    }
    child.kill("SIGKILL");
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const handle: PrivateRedis = {
    url, port, dir,
    process: await launch(),
    async kill(signal = "SIGKILL") {
      const p = handle.process;
      if (p.exitCode !== null) return;
      await new Promise<void>((r) => {
        p.once("exit", () => r());
        p.kill(signal);
      });
    },
    async restart() {
      handle.process = await launch();
    },
    async stop() {
      await handle.kill("SIGTERM");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return handle;
}
