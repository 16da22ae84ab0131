import { randomUUID } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import pino from "pino";
import { loadConfig, type Config } from "../src/config.ts";
import type { Actor, ChannelRef, MessageRef } from "../src/core/actor.ts";
import { isFinalState, type Message } from "../src/core/message.ts";
import type { Notifier } from "../src/core/notifier.ts";
import type { JobPayloadInput } from "../src/core/job-payload.ts";
import { createLogger, type Logger } from "../src/logger.ts";

/** What `npm run bench` reads from its environment (the only place in bench/ that does). */
export interface BenchSettings {
  /** BENCH_REDIS_URL, else a private redis-server (AOF everysec) that run.ts starts; "" until resolved. */
  redisUrl: string;
  /** Seconds per ack-latency run (BENCH_SECONDS, default 15); the other benchmarks scale from it. */
  seconds: number;
  /** BENCH_SAVE=1: also write bench/results/latest.json. */
  save: boolean;
  /** Temporary directory for logs and the JSON result. */
  dir: string;
}

export function benchSettings(env: NodeJS.ProcessEnv = process.env): BenchSettings {
  const seconds = Number(env.BENCH_SECONDS ?? 15);
  return {
    redisUrl: env.BENCH_REDIS_URL ?? "",
    seconds: Number.isFinite(seconds) && seconds > 0 ? seconds : 15,
    save: env.BENCH_SAVE === "1",
    dir: mkdtempSync(join(tmpdir(), "labops-bench-")),
  };
}

/** A fresh key prefix on the shared Redis: nothing outside it is ever touched. */
export const benchPrefix = (): string => `bench-${randomUUID().slice(0, 8)}`;

/** Removes everything under `prefix` (the queue and labops' own keys). */
export async function dropPrefix(redis: Redis, queue: Queue | undefined, prefix: string): Promise<void> {
  await queue?.obliterate({ force: true }).catch(() => {});
  await redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${prefix}:*`).catch(() => {});
}

/** labops' config for the simulated lab, with the production defaults unless a benchmark says otherwise. */
export function benchConfig(redisUrl: string, prefix: string, labEnv: Record<string, string> = {}, role: "all" | "bot" | "worker" = "all"): Config {
  const config = loadConfig({ ...labEnv, REDIS_URL: redisUrl, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: prefix, LABOPS_ROLE: role });
  // Benchmarks queue thousands of jobs as one person; the per-person budget and cap stay on in the ack benchmark's bot.
  config.limits.commandsPerMinute = 0;
  config.limits.queuedJobsPerPerson = 0;
  return config;
}

/** Logs at info to a file, as a deployed labops logs to stdout (so logging cost is included, but not the terminal's). */
export function fileLogger(dir: string, name: string, secrets: string[] = []): Logger {
  return createLogger({ level: "info", secrets, destination: pino.destination({ dest: join(dir, `${name}.log`), sync: false }) });
}

export const TERMINAL_ADMIN: Actor = { platform: "terminal", id: "bench", name: "bench", groups: [] };
export const TERMINAL: ChannelRef = { platform: "terminal", channel: "terminal" };

/** A job payload as dispatch would build it, for benchmarks that enqueue directly. */
export function payloadFor(command: string, args: Record<string, unknown>, opts: { lockKey?: string | undefined; actor?: Actor; channel?: ChannelRef } = {}): JobPayloadInput {
  return {
    command, args, actor: opts.actor ?? TERMINAL_ADMIN, channel: opts.channel ?? TERMINAL, requestId: randomUUID(),
    ...(opts.lockKey ? { lockKey: opts.lockKey } : {}), enqueuedAt: Date.now(),
  };
}

const JOB_LINE = /Job `([0-9a-f]+)`/;

/**
 * An in-memory chat platform that counts calls: posts, edits, per job (the first state of a job's
 * message names it), and when each job's final state arrived.
 */
export class CountingNotifier implements Notifier {
  posts = 0;
  edits = 0;
  /** Edits whose message is the same as the one already shown (wasted calls). */
  identical = 0;
  readonly #shown = new Map<string, string>();
  readonly #jobOf = new Map<string, string>();
  readonly callsByJob = new Map<string, number>();
  readonly finals = new Map<string, { at: number; state: string }>();
  #next = 0;

  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    this.posts++;
    const ref = { ...target, messageId: `m${++this.#next}` };
    const jobId = msg.jobId ?? msg.lines?.map((l) => JOB_LINE.exec(l)?.[1]).find(Boolean);
    if (jobId) this.#jobOf.set(ref.messageId, jobId);
    this.#shown.set(ref.messageId, JSON.stringify(msg));
    this.#seen(ref.messageId, msg);
    return ref;
  }

  async edit(ref: MessageRef, msg: Message): Promise<void> {
    this.edits++;
    const text = JSON.stringify(msg);
    if (this.#shown.get(ref.messageId) === text) this.identical++;
    this.#shown.set(ref.messageId, text);
    this.#seen(ref.messageId, msg);
  }

  get calls(): number {
    return this.posts + this.edits;
  }

  #seen(messageId: string, msg: Message): void {
    const jobId = this.#jobOf.get(messageId);
    if (!jobId) return;
    this.callsByJob.set(jobId, (this.callsByJob.get(jobId) ?? 0) + 1);
    if (isFinalState(msg.state) && !this.finals.has(jobId)) this.finals.set(jobId, { at: performance.now(), state: msg.state });
  }
}

/** Commands the Redis server has processed since it started (INFO stats), for commands/s over a window. */
export async function redisCommands(redis: Redis): Promise<number> {
  const info = await redis.info("stats");
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? 0);
}
