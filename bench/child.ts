import { fork, type ChildProcess } from "node:child_process";
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";

type Reply = { id: number; result?: unknown; error?: string };

/** A benchmark role in its own Node process (so its RSS and event loop are its own), driven over IPC. */
export interface BenchChild<R> {
  proc: ChildProcess;
  /** What the child sent when it was ready (its URL, its prefix...). */
  ready: R;
  ask<T>(type: string, payload?: Record<string, unknown>): Promise<T>;
  /** Asks the child to clean up and exit; kills it (by pid) if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Forks `file` (a .ts module, run through tsx) and waits for its `{ type: "ready" }` message. */
export async function forkChild<R>(file: URL, args: string[], env: Record<string, string> = {}): Promise<BenchChild<R>> {
  const proc = fork(file, args, {
    execArgv: ["--import", "tsx"],
    env: { ...process.env, ...env },
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let seq = 0;
  const ready = await new Promise<R>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${file.pathname}: not ready within 30 s`)), 30_000);
    proc.once("exit", (code) => reject(new Error(`${file.pathname} exited with ${code} before it was ready`)));
    proc.on("message", (m: { type?: string } & Reply) => {
      if (m.type === "ready") {
        clearTimeout(t);
        resolve(m as unknown as R);
        return;
      }
      const p = pending.get(m.id);
      if (!p) return;
      pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(m.error));
      else p.resolve(m.result);
    });
  });
  return {
    proc,
    ready,
    ask<T>(type: string, payload: Record<string, unknown> = {}) {
      const id = ++seq;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        proc.send({ id, type, ...payload });
      });
    },
    async stop() {
      if (proc.exitCode !== null) return;
      const exited = new Promise<void>((r) => proc.once("exit", () => r()));
      proc.send({ id: ++seq, type: "stop" });
      const t = setTimeout(() => proc.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(t);
    },
  };
}

/** Child side: answers the parent's requests with `handlers`; "stop" runs `stop` and exits. */
export function serveParent(handlers: Record<string, (msg: Record<string, unknown>) => Promise<unknown>>, stop: () => Promise<void>): void {
  process.on("message", (m: { id: number; type: string } & Record<string, unknown>) => {
    if (m.type === "stop") {
      void stop().finally(() => process.exit(0));
      return;
    }
    const h = handlers[m.type];
    if (!h) return void process.send?.({ id: m.id, error: `unknown request ${m.type}` });
    h(m).then(
      (result) => process.send?.({ id: m.id, result }),
      (err: unknown) => process.send?.({ id: m.id, error: err instanceof Error ? err.message : String(err) }),
    );
  });
  // The parent going away (Ctrl-C, crash) must not leave children behind.
  process.on("disconnect", () => void stop().finally(() => process.exit(0)));
}

/** What a child reports about itself: memory in bytes, event-loop delay in ms. */
export interface ChildHealth {
  rss: number;
  heapUsed: number;
  /** Event-loop delay beyond the 1 ms sampling timer since the last reset: p99 and max. */
  loopP99Ms: number;
  loopMaxMs: number;
  /** Longest garbage-collection pause and total GC time since the last reset, ms. */
  gcMaxMs: number;
  gcTotalMs: number;
}

/** A `health` request handler: memory now, loop delay since the last `{ resetLoop: true }`. */
export function healthHandler(): (m: Record<string, unknown>) => Promise<ChildHealth> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const gc = { max: 0, total: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) (gc.max = Math.max(gc.max, e.duration)), (gc.total += e.duration);
  }).observe({ entryTypes: ["gc"] });
  return async (m) => {
    const mem = process.memoryUsage();
    const h = {
      rss: mem.rss, heapUsed: mem.heapUsed, loopP99Ms: Math.max(0, loop.percentile(99) / 1e6 - 1), loopMaxMs: Math.max(0, loop.max / 1e6 - 1),
      gcMaxMs: gc.max, gcTotalMs: gc.total,
    };
    if (m.resetLoop) (loop.reset(), (gc.max = 0), (gc.total = 0));
    return h;
  };
}
