/**
 * `npm start -- --console`: the terminal chat against the configured systems (not the simulated lab). Bot
 * and worker run in this process on a queue of their own (`<LABOPS_QUEUE_PREFIX>-console-<pid>`), so a
 * deployed labops sharing the Redis never picks up a terminal job it could not report. Log lines never reach
 * the chat view: they go to LOG_FILE (default labops-console.log) when stderr is this terminal, else to stderr.
 * Ctrl-D waits for running jobs, then cleans up; Ctrl-C (or SIGINT/SIGTERM) cleans up at once: the queue's
 * Redis keys and labops' temporary files (the GitOps mirror) go either way.
 */
import { userInfo } from "node:os";
import { pino } from "pino";
import { createAlerting } from "./alerts/create-alerting.ts";
import { runConsoleBot } from "./bot/console/console-bot.ts";
import { ConsoleNotifier } from "./bot/console/console-notifier.ts";
import { TerminalOutput } from "./bot/console/terminal-output.ts";
import type { Config } from "./config.ts";
import { NotifierRegistry } from "./core/notifier.ts";
import { createLabops } from "./create-labops.ts";
import { createLogger } from "./logger.ts";
import { createRedis, removeKeys } from "./queue/redis.ts";

const ALERTS = { platform: "terminal" as const, channel: "alerts" };

/** Runs the console until input ends or Ctrl-C; resolves with the exit code (0: every command succeeded). */
export async function runConsole(config: Config): Promise<number> {
  const interactive = process.stdin.isTTY === true && process.stdout.isTTY === true;
  const logFile = config.logFile ?? (process.stderr.isTTY ? "labops-console.log" : undefined);
  const log = createLogger({
    level: config.logLevel, secrets: config.secrets,
    destination: logFile ? pino.destination({ dest: logFile, mkdir: true, sync: false }) : pino.destination({ dest: 2, sync: false }),
  });
  config.redis.prefix = `${config.redis.prefix}-console-${process.pid}`;
  config.gitops.channel ??= "terminal:terminal";
  const out = interactive ? new TerminalOutput(process.stdout) : process.stdout;
  const notifier = new ConsoleNotifier(out);
  const notifiers = new NotifierRegistry().register("terminal", notifier);
  let alerting: ReturnType<typeof createAlerting> | undefined;
  const labops = createLabops({ config, log, notifiers, onJobFailed: (i) => alerting?.onJobFailed(i), alertChannels: [ALERTS] });
  alerting = createAlerting({
    config, log, redis: labops.redis, prefix: config.redis.prefix, notifier: notifiers, actions: labops.ack.actions, commands: labops.ack.commands,
    aap: labops.clients.aap, channels: [ALERTS], pollIntervalMs: config.alerts.pollIntervalMs,
  });

  const ac = new AbortController();
  const onSignal = () => ac.abort();
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    await alerting?.stop().catch(() => {});
    // Running jobs are handed back first (their AAP jobs go on in AAP), then their queue is removed.
    const running = await labops.queue.queue.getActiveCount().catch(() => 0);
    await labops.worker?.close().catch(() => {});
    if (running) process.stdout.write(`${running} job(s) were still running: labops stopped following them; what they started in AAP or Proxmox goes on there.\n`);
    await labops.close(); // every writer stops; the GitOps mirror (a temporary directory) goes with it
    // Then, on a connection of its own, every key of the console's queue (jobs, locks, buttons, alerts, audit).
    // (With an offline queue, so it waits for the connection, at most 5 s.)
    const redis = createRedis(config.redis, "worker");
    redis.on("error", () => {});
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timed out")), 5_000).unref());
    await Promise.race([removeKeys(redis, config.redis.prefix), timeout])
      .catch((err: unknown) => process.stderr.write(`The console's Redis keys (${config.redis.prefix}:*) were not removed: ${String(err)}\n`));
    redis.disconnect();
  };
  try {
    if (!(await labops.ready())) {
      process.stderr.write(`Redis does not answer at the configured REDIS_URL; start it or set REDIS_URL, then try again.\n`);
      return 2;
    }
    labops.startWorker();
    alerting.start();
    labops.lookups.start();
    labops.surveys.start();
    // Names for "did you mean" before the first line, waiting at most a few seconds for slow systems.
    await Promise.race([labops.lookups.refresh(), new Promise((r) => setTimeout(r, 5_000).unref())]);
    const systems = (["aap", "nautobot", "proxmox", "truenas", "github"] as const).filter((s) => labops.clients[s]).join(", ") || "none";
    const where = logFile ? `logs: ${logFile}` : "logs: stderr";
    if (interactive) {
      out.write(`labops console on the configured systems (${systems}); ${where}.\n` +
        "Type /labops help for the commands, /click <button> for a button; Ctrl-D ends after running jobs, Ctrl-C at once.\n");
    }
    log.info({ systems, prefix: config.redis.prefix }, "console started");
    const user = userInfo().username;
    const summary = await runConsoleBot({
      deps: labops.ack, notifier, queue: labops.queue.queue, input: process.stdin, sequential: !interactive, signal: ac.signal,
      actor: { platform: "terminal", id: user, name: user, groups: [] },
      ...(interactive ? { terminal: { output: process.stdout, attach: (rl) => (out as TerminalOutput).attach(rl) } } : {}),
    });
    if (!summary.interrupted) await alerting.settled();
    await cleanup();
    process.stdout.write(`\n${summary.commands} command(s), ${summary.failures} failed${summary.interrupted ? "; interrupted" : ""}.\n`);
    return summary.interrupted ? 130 : summary.failures === 0 ? 0 : 1;
  } finally {
    await cleanup().catch(() => {});
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    log.flush?.();
  }
}
