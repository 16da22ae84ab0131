/**
 * A labops WORKER in its own process, for crash tests: `node --import tsx test/crash/worker-child.ts '<json>'`
 * (the JSON is a ChildOptions; see test/helpers/crash-harness.ts). Only the worker runs here; the lab
 * (fake AAP, Nautobot, TrueNAS) lives in the parent test so it survives `kill -9` of this process.
 *
 * Every notifier post/edit is appended, synchronously, as one JSON line to `events` so the parent sees the
 * progress messages of every worker generation in order; logs go (synchronously) to `log`. SIGTERM closes
 * labops (hands running jobs back) and exits 0, as src/main.ts does.
 */
import { appendFileSync } from "node:fs";
import { Writable } from "node:stream";
import { loadConfig } from "../../src/config.ts";
import type { ChannelRef, MessageRef } from "../../src/core/actor.ts";
import type { Message } from "../../src/core/message.ts";
import { NotifierRegistry, type Notifier } from "../../src/core/notifier.ts";
import { createLabops } from "../../src/create-labops.ts";
import { createLogger } from "../../src/logger.ts";

/** What the parent passes (as the first argument, JSON). */
export interface ChildOptions {
  /** Label of this worker generation ("w1", "w2"...): it prefixes every message id it posts. */
  label: string;
  /** `lab.env` of the parent's lab. */
  labEnv: Record<string, string>;
  redisUrl: string;
  prefix: string;
  events: string;
  log: string;
  lockDurationMs: number;
  stalledIntervalMs: number;
  progressEditMs: number;
  pollMs: number;
  /** Stage the post → save(progressRef) window: SIGKILL this process right after its N-th post. */
  dieAfterPosts?: number | undefined;
  /** Post Discord channels' messages through the real DiscordNotifier to the parent's fake Discord (not to `events`). */
  discord?: { api: string; token: string } | undefined;
  /** `limits.lockLease` (default: the configured 30 s). */
  lockLeaseMs?: number | undefined;
  /** `limits.workerConcurrency` (default: the configured one). */
  concurrency?: number | undefined;
}

/** One line of the events file. */
export type ChildEvent =
  | { t: number; child: string; pid: number; kind: "ready" }
  | { t: number; child: string; pid: number; kind: "exit" }
  | { t: number; child: string; pid: number; kind: "post" | "edit"; ref: MessageRef; msg: Message };

const opts = JSON.parse(process.argv[2] ?? "{}") as ChildOptions;
const emit = (e: Record<string, unknown>) => appendFileSync(opts.events, `${JSON.stringify({ t: Date.now(), child: opts.label, pid: process.pid, ...e })}\n`);

/** Writes each post/edit as a JSON line; message ids carry the worker label, so they are unique across generations. */
class JsonlNotifier implements Notifier {
  #next = 1;
  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    const ref: MessageRef = { ...target, messageId: `${opts.label}-m${this.#next++}` };
    emit({ kind: "post", ref, msg });
    if (opts.dieAfterPosts !== undefined && this.#next > opts.dieAfterPosts) process.kill(process.pid, "SIGKILL");
    return ref;
  }
  async edit(ref: MessageRef, msg: Message): Promise<void> {
    emit({ kind: "edit", ref, msg });
  }
}

async function discordNotifier(o: { api: string; token: string }): Promise<Notifier> {
  const { REST } = await import("discord.js");
  const { CHANNEL_MESSAGE_ROUTES, DiscordNotifier } = await import("../../src/bot/discord/discord-notifier.ts");
  return new DiscordNotifier(new REST({ api: o.api, retries: 0, rejectOnRateLimit: (d) => CHANNEL_MESSAGE_ROUTES.some((p) => d.route.startsWith(p)) }).setToken(o.token));
}

/** pino destination that appends synchronously: a SIGKILL loses no line already logged. */
class SyncFile extends Writable {
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    appendFileSync(opts.log, chunk);
    cb();
  }
}

const config = loadConfig({
  ...opts.labEnv, REDIS_URL: opts.redisUrl, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: opts.prefix, LABOPS_ROLE: "worker",
});
config.limits.cooldown = 0;
// Tests drive many commands as one person; the budget and the queued-jobs cap have their own tests.
config.limits.commandsPerMinute = 0;
config.limits.queuedJobsPerPerson = 0;
config.limits.progressEditInterval = opts.progressEditMs;
config.limits.retryBackoff = 200;
config.aapSettings.pollInterval = opts.pollMs;
if (opts.lockLeaseMs !== undefined) config.limits.lockLease = opts.lockLeaseMs;
if (opts.concurrency !== undefined) config.limits.workerConcurrency = opts.concurrency;
const log = createLogger({ level: "info", secrets: config.secrets, destination: new SyncFile(), name: opts.label });
const jsonl = new JsonlNotifier();
// discord.js is loaded only by a child that talks to the fake Discord: the others start as fast as before.
const discord: Notifier = opts.discord ? await discordNotifier(opts.discord) : jsonl;
const notifiers = new NotifierRegistry().register("terminal", jsonl).register("slack", jsonl).register("discord", discord);
const labops = createLabops({
  config, log, notifiers,
  // The lab's service listeners live in the parent; a probe here must never leave loopback, so it answers "open".
  probe: async () => ({ open: true, ms: 0 }),
  worker: { lockDurationMs: opts.lockDurationMs, stalledIntervalMs: opts.stalledIntervalMs, lockRetryMs: 200 },
});

let stopping = false;
process.on("SIGTERM", () => {
  if (stopping) return;
  stopping = true;
  log.info({ signal: "SIGTERM" }, "shutting down");
  const force = setTimeout(() => process.exit(1), 10_000);
  force.unref();
  void labops.close().then(() => {
    clearTimeout(force);
    emit({ kind: "exit" });
    process.exit(0);
  });
});

await labops.ready();
const worker = labops.startWorker();
await worker.worker.waitUntilReady();
log.info({ pid: process.pid }, "crash child ready");
emit({ kind: "ready" });
