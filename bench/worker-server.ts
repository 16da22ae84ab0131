/**
 * Child process for the memory benchmark: labops as LABOPS_ROLE=worker (createLabops + startWorker, the
 * deploy processors against the simulated lab whose fakes live in the parent), a bare BullMQ Worker with
 * a no-op processor, or an idle process (the floor of `node --import tsx`). Each loads only its own
 * modules. argv[2]: "labops" | "bare" | "idle"; argv[3]: JSON WorkerServerSpec.
 */
import { healthHandler, serveParent } from "./child.ts";

export interface WorkerServerSpec {
  redisUrl: string;
  prefix: string;
  /** The simulated lab's endpoints (AAP_URL, NAUTOBOT_URL...). */
  labEnv: Record<string, string>;
  dir: string;
}

const kind = process.argv[2];
const spec = JSON.parse(process.argv[3] ?? "{}") as WorkerServerSpec;

if (kind === "idle") {
  serveParent({ health: healthHandler(), done: async () => 0 }, async () => {});
} else if (kind === "bare") {
  const { Worker } = await import("bullmq");
  const { createRedis } = await import("../src/queue/redis.ts");
  const conn = createRedis(spec.redisUrl, "worker");
  let done = 0;
  const worker = new Worker("jobs", async () => {}, { connection: conn, prefix: spec.prefix, concurrency: 20 });
  worker.on("completed", () => done++);
  await worker.waitUntilReady();
  serveParent({ health: healthHandler(), done: async () => done }, async () => {
    await worker.close();
    conn.disconnect();
  });
} else {
  const { NotifierRegistry } = await import("../src/core/notifier.ts");
  const { createLabops } = await import("../src/create-labops.ts");
  const { benchConfig, CountingNotifier, fileLogger } = await import("./bench-env.ts");
  const config = benchConfig(spec.redisUrl, spec.prefix, spec.labEnv, "worker");
  config.aapSettings.pollInterval = 5;
  config.limits.progressEditInterval = 20;
  const chat = new CountingNotifier();
  // Probes of the lab's private addresses cannot leave this box: every service answers.
  const labops = createLabops({
    config, log: fileLogger(spec.dir, "worker", config.secrets), notifiers: new NotifierRegistry().register("terminal", chat),
    probe: async () => ({ open: true, ms: 0 }),
  });
  await labops.ready();
  labops.startWorker();
  await labops.worker!.worker.waitUntilReady();
  serveParent({ health: healthHandler(), done: async () => chat.finals.size }, () => labops.close());
}
process.send?.({ type: "ready" });
