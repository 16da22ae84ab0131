import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchSettings } from "./bench-env.ts";

export interface MultiProcessRun {
  deploys: number;
  apps: number;
  /** Jobs each worker process runs at once. */
  concurrency: number;
  oneWorkerS: number;
  twoWorkersS: number;
  speedup: number;
}

const REPO_ROOT = fileURLToPath(new URL("../", import.meta.url));

/**
 * Benchmark 7: the long version of test/faults/two-bots-two-workers.test.ts. Two bots take `deploys` deploys; one
 * worker process runs them, then the same round again with a second worker process beside it. Each worker runs
 * two jobs at once, so the round is bound by worker capacity, not by chat limits or app locks. The test's
 * checks (one launch each, app locks never shared, one final each, both workers took part) apply to both rounds.
 */
export async function runMultiProcess(s: BenchSettings, deploys: number): Promise<MultiProcessRun> {
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn("npx", ["vitest", "run", "test/faults/two-bots-two-workers.test.ts", "--reporter=dot"], {
      cwd: REPO_ROOT, env: { ...process.env, REDIS_URL: s.redisUrl, MULTI_BENCH: "1", MULTI_DEPLOYS: String(deploys) }, stdio: ["ignore", "pipe", "pipe"],
    });
    let text = "";
    p.stdout.on("data", (d: Buffer) => (text += d.toString()));
    p.stderr.on("data", (d: Buffer) => (text += d.toString()));
    p.once("exit", (code) => (code === 0 ? resolve(text) : reject(new Error(`multi-process round failed (exit ${code}):\n${text.slice(-3_000)}`))));
  });
  const line = /MULTI_PROCESS (\{.*\})/.exec(out)?.[1];
  if (!line) throw new Error(`multi-process round printed no result:\n${out.slice(-2_000)}`);
  return JSON.parse(line) as MultiProcessRun;
}
