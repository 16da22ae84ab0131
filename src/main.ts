/**
 * `npm start`: the composition root. loadConfig → logger → Redis → clients → HTTP port → front ends and/or
 * worker (LABOPS_ROLE=all|bot|worker). SIGTERM/SIGINT stop taking work, hand running jobs back with their
 * remote ids (the next worker re-attaches), and exit within 10 s.
 */
import { loadConfig } from "./config.ts";
import { ConfigError } from "./errors.ts";
import { createLabops } from "./create-labops.ts";
import { addHealthRoutes, type ReadinessCheck } from "./http/health-routes.ts";
import { HttpServer } from "./http/http-server.ts";
import { createLogger } from "./logger.ts";
import { mountAdminDashboard } from "./http/admin-dashboard.ts";
import { LabopsMetrics } from "./metrics/labops-metrics.ts";
import { addMetricsRoute } from "./metrics/metrics-route.ts";
import { COMMANDS } from "./handlers/index.ts";

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const log = createLogger({ level: config.logLevel, secrets: config.secrets });
  const labops = createLabops({ config, log, metrics: new LabopsMetrics({ commands: COMMANDS.map((c) => c.name) }) });
  const http = new HttpServer(log);
  addHealthRoutes(http, readinessChecks(labops));
  addMetricsRoute(http, labops.metrics);
  if (config.role !== "worker") mountAdminDashboard(http, { queues: [labops.queue.queue], token: config.http.adminToken, log });

  const runsBot = config.role !== "worker";
  const runsWorker = config.role !== "bot";
  if (!(await labops.ready())) log.warn("redis is not answering yet; commands are refused until it does");
  if (runsWorker) labops.startWorker();
  const frontEnds: { name: string; stop(): Promise<void> }[] = [];
  if (runsBot && !config.slack && !config.discord) {
    log.warn("no chat platform is configured (SLACK_BOT_TOKEN or DISCORD_TOKEN): the bot only serves HTTP; try `npm run demo` for a terminal chat");
  }
  const url = await http.listen(config.http.port);
  log.info({ role: config.role, url, aap: !!config.aap, nautobot: !!config.nautobot, proxmox: !!config.proxmox, truenas: !!config.truenas,
    slack: !!config.slack, discord: !!config.discord }, "labops started");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "shutting down");
    const force = setTimeout(() => {
      log.error("shutdown took longer than 10 s; exiting");
      process.exit(1);
    }, 10_000);
    force.unref();
    for (const f of frontEnds) await f.stop().catch((err) => log.warn({ err: String(err), frontEnd: f.name }, "front end did not stop cleanly"));
    await labops.close();
    await http.close();
    clearTimeout(force);
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

/** /readyz: Redis, and one cheap authenticated call to each configured backend. */
export function readinessChecks(labops: ReturnType<typeof createLabops>): Record<string, ReadinessCheck> {
  const { aap, nautobot, proxmox, truenas } = labops.clients;
  const s = labops.config;
  const checks: Record<string, ReadinessCheck> = {
    redis: async () => {
      if ((await labops.redis.ping()) !== "PONG") throw new Error("no PONG");
    },
  };
  if (aap) checks.aap = async (signal) => void (await aap.findProject(s.aapSettings.project, { signal }));
  if (nautobot) checks.nautobot = async (signal) => void (await nautobot.getGitRepository(s.nautobotSettings.gitRepository, { signal }));
  if (proxmox) checks.proxmox = async (signal) => void (await proxmox.version({ signal }));
  if (truenas) checks.truenas = async (signal) => void (await truenas.stat(s.truenasSettings.share, { signal }));
  return checks;
}

main().catch((err) => {
  process.stderr.write(`labops failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
