/**
 * Crash harness: the lab (fake AAP, Nautobot, TrueNAS) and the bot side of labops run in THIS process; each
 * worker runs in a child process (test/crash/worker-child.ts) that a test kills with real signals. The
 * children write every post/edit to one JSON-lines file, read back here as a MessageBook, so a test sees
 * whether the next worker generation kept editing the same message.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { closeSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { cleanupLockKey, cleanupSettings } from "../../src/cleanup/cleanup-settings.ts";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { isFinalState, type Message } from "../../src/core/message.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { createLab, type Lab, type LabOptions } from "../../lab/create-lab.ts";
import type { FakeRequest } from "../../lab/fake-http.ts";
import { seedZfs } from "../../lab/truenas/zfs-seed.ts";
import { createLogger } from "../../src/logger.ts";
import type { ChildEvent, ChildOptions } from "../crash/worker-child.ts";
import { LogCapture, REDIS_URL } from "./harness.ts";

const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const CHILD = fileURLToPath(new URL("../crash/worker-child.ts", import.meta.url));

/** Worker timings passed to every child (defaults: lock 2 s, stalled check 1 s, edits 100 ms apart, AAP polled every 50 ms). */
export interface CrashTimings {
  lockDurationMs: number;
  stalledIntervalMs: number;
  progressEditMs: number;
  pollMs: number;
}

export interface CrashLabOptions extends Partial<CrashTimings> {
  lab?: LabOptions | undefined;
}

/** One post or edit as a child reported it. */
export interface BookEntry { t: number; child: string; kind: "post" | "edit"; msg: Message }

/** One chat message and every state it went through, across worker generations. */
export interface BookMessage { messageId: string; entries: BookEntry[] }

/** A worker process. */
export interface WorkerChild {
  label: string;
  proc: ChildProcess;
  pid: number;
  /** Resolves (with the time) once the child's BullMQ worker is connected. */
  ready: Promise<number>;
  /** Resolves when the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; t: number }>;
  /** Sends `signal` to this child's pid; returns the time it was sent. */
  signal(signal: NodeJS.Signals): number;
  stderr(): string;
}

/** A hold armed on a fake: resolves with the time the matching request arrived. */
export type Arrival = Promise<number>;

/** The parsed events file: messages by id, in the order the children wrote them. */
export class MessageBook {
  readonly messages = new Map<string, BookMessage>();
  readonly ready = new Map<string, number>();
  readonly exits = new Map<string, number>();
  #offset = 0;
  #partial = "";

  constructor(private readonly file: string) {}

  /** Reads what the children appended since the last call. */
  refresh(): this {
    const fd = openSync(this.file, "r");
    try {
      const buf = Buffer.alloc(1 << 16);
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, this.#offset);
        if (n <= 0) break;
        this.#offset += n;
        this.#partial += buf.subarray(0, n).toString("utf8");
      }
    } finally {
      closeSync(fd);
    }
    const lines = this.#partial.split("\n");
    this.#partial = lines.pop() ?? "";
    for (const line of lines.filter(Boolean)) this.#add(JSON.parse(line) as ChildEvent);
    return this;
  }

  #add(e: ChildEvent): void {
    if (e.kind === "ready") this.ready.set(e.child, e.t);
    else if (e.kind === "exit") this.exits.set(e.child, e.t);
    else {
      const m = this.messages.get(e.ref.messageId) ?? { messageId: e.ref.messageId, entries: [] };
      m.entries.push({ t: e.t, child: e.child, kind: e.kind, msg: e.msg });
      this.messages.set(e.ref.messageId, m);
    }
  }

  /** Every message posted for a job (its first state names "Job `<id>`"): exactly one when continuity held. */
  forJob(jobId: string): BookMessage[] {
    return [...this.messages.values()].filter((m) => (m.entries[0]?.msg.lines ?? []).some((l) => l.includes(`Job \`${jobId}\``)));
  }

  /** Final-state entries of a message (a job must deliver exactly one, as its last entry). */
  finals(m: BookMessage): BookEntry[] {
    return m.entries.filter((e) => isFinalState(e.msg.state));
  }
}

/** Labops' bot side plus a lab in this process; workers are child processes. */
export class CrashLab {
  readonly admin: Actor = { platform: "terminal", id: "tester", name: "tester", groups: [] };
  readonly channel: ChannelRef = { platform: "terminal", channel: "terminal" };
  readonly book: MessageBook;
  readonly children: WorkerChild[] = [];
  readonly dir: string;
  #generation = 0;

  private constructor(readonly lab: Lab, readonly labops: Labops, readonly config: Config, readonly opts: CrashTimings, dir: string) {
    this.dir = dir;
    writeFileSync(this.eventsFile, "");
    this.book = new MessageBook(this.eventsFile);
    // A runner that dies without close() must not leave worker processes behind.
    process.once("exit", () => {
      for (const c of this.children) if (c.proc.exitCode === null && c.proc.signalCode === null) c.signal("SIGKILL");
    });
  }

  static async start(opts: CrashLabOptions = {}): Promise<CrashLab> {
    const lab = await createLab({ stepMs: 50, ...opts.lab });
    const config = loadConfig({ ...lab.env, REDIS_URL, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: `crash-${randomUUID().slice(0, 8)}`, LABOPS_ROLE: "bot" });
    config.limits.cooldown = 0;
    // Tests drive many commands as one person; the budget and the queued-jobs cap have their own tests.
    config.limits.commandsPerMinute = 0;
    config.limits.queuedJobsPerPerson = 0;
    const log = createLogger({ level: "warn", secrets: config.secrets, destination: new LogCapture() });
    const labops = createLabops({ config, log, probe: lab.probe });
    await labops.ready();
    const o: CrashTimings = {
      lockDurationMs: opts.lockDurationMs ?? 2_000, stalledIntervalMs: opts.stalledIntervalMs ?? 1_000,
      progressEditMs: opts.progressEditMs ?? 100, pollMs: opts.pollMs ?? 50,
    };
    return new CrashLab(lab, labops, config, o, mkdtempSync(join(tmpdir(), "labops-crash-")));
  }

  get eventsFile(): string {
    return join(this.dir, "events.jsonl");
  }

  logFile(label: string): string {
    return join(this.dir, `${label}.log`);
  }

  /** Log lines (parsed JSON) a worker generation wrote. */
  logs(label: string): Record<string, unknown>[] {
    try {
      return readFileSync(this.logFile(label), "utf8").split("\n").filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    } catch {
      return [];
    }
  }

  /** Starts a worker generation (`w1`, `w2`, ...) in a child process. */
  spawnWorker(extra: Pick<ChildOptions, "dieAfterPosts" | "discord" | "lockLeaseMs" | "concurrency"> = {}): WorkerChild {
    const label = `w${++this.#generation}`;
    const o: ChildOptions = {
      ...extra,
      label, labEnv: this.lab.env, redisUrl: REDIS_URL, prefix: this.config.redis.prefix, events: this.eventsFile, log: this.logFile(label),
      lockDurationMs: this.opts.lockDurationMs, stalledIntervalMs: this.opts.stalledIntervalMs, progressEditMs: this.opts.progressEditMs, pollMs: this.opts.pollMs,
    };
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, JSON.stringify(o)], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "pipe"], env: { ...process.env } });
    let err = "";
    proc.stderr?.on("data", (d: Buffer) => (err = (err + d.toString()).slice(-4_000)));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; t: number }>((resolve) =>
      proc.once("exit", (code, signal) => resolve({ code, signal, t: Date.now() })));
    const ready = this.#until(() => this.book.refresh().ready.get(label), 30_000, `${label} ready`, exited.then(() => `${label} exited before it was ready: ${err}`));
    const child: WorkerChild = {
      label, proc, pid: proc.pid!, ready, exited,
      signal: (sig) => {
        const t = Date.now();
        if (proc.exitCode === null && proc.signalCode === null) process.kill(proc.pid!, sig);
        return t;
      },
      stderr: () => err,
    };
    this.children.push(child);
    return child;
  }

  /** `kill -9` of a child; resolves with the time the signal was sent, once the process is gone. */
  async kill9(child: WorkerChild): Promise<number> {
    const t = child.signal("SIGKILL");
    await child.exited;
    return t;
  }

  /** Runs a slash command as the terminal admin (its progress goes to `channel`, the terminal by default); the ack. */
  run(line: string, channel: ChannelRef = this.channel): Promise<Message> {
    const [head = "", ...rest] = line.replace(/^\//, "").split(" ");
    return dispatchCommand(this.labops.ack, { root: head, text: rest.join(" "), actor: this.admin, channel, requestId: randomUUID() });
  }

  /** Queues a confirmed cleanup of exactly these folders, as the Confirm button of a preview does. */
  async enqueueCleanup(folders: { name: string; kind: "folder" | "dataset" }[]): Promise<string> {
    const s = cleanupSettings(this.config);
    const plan = { share: s.share, dataset: s.dataset, pattern: s.patternSource, folders, previewJobId: `crash-${randomUUID().slice(0, 8)}` };
    const { jobId } = await this.labops.queue.enqueue("truenas.cleanup-execute", {
      command: "cleanup-ocp", args: plan, actor: this.admin, channel: this.channel, requestId: `truenas.cleanup-execute:${randomUUID()}`,
      lockKey: cleanupLockKey(s.dataset), enqueuedAt: Date.now(),
    });
    return jobId;
  }

  /** Puts the fake TrueNAS back to its seeded pools (same object, so the AAP cleanup effect keeps working). */
  reseedTrueNas(): void {
    this.lab.truenas.fs.datasets.clear();
    this.lab.truenas.fs.snapshots.clear();
    seedZfs(this.lab.truenas.fs);
  }

  /**
   * Holds the next matching AAP request: `unprocessed` never reaches AAP's logic (no side effect),
   * `response` is processed (the side effect happens) but its answer is held, `delay` answers `delayMs` late.
   */
  holdAap(method: string, path: RegExp, mode: "unprocessed" | "response" | "delay", o: { delayMs?: number; match?: (req: FakeRequest) => boolean } = {}): Arrival {
    return new Promise((resolve) => this.lab.aap.http.inject({
      method, path, times: 1, hang: mode === "unprocessed", holdResponse: mode === "response", match: o.match,
      ...(mode === "delay" ? { delayResponseMs: o.delayMs ?? 0 } : {}), onMatch: () => resolve(Date.now()),
    }));
  }

  /** Holds the next status poll of followed AAP jobs (`GET jobs/?id__in=…`, the worker's shared watcher), unprocessed. */
  holdAapPoll(): Arrival {
    return this.holdAap("GET", /\/jobs\/$/, "unprocessed", { match: (req) => req.query.has("id__in") });
  }

  /** Holds the next call of a TrueNAS method: `drop` (never processed nor answered) or `response` (processed, answer held). */
  holdTrueNas(method: string, mode: "drop" | "response"): Arrival {
    return new Promise((resolve) => this.lab.truenas.inject(method, { times: 1, drop: mode === "drop", holdResponse: mode === "response", onMatch: () => resolve(Date.now()) }));
  }

  /** Launches per correlation id (`extra_vars.labops_correlation`) for AAP jobs of one template. */
  launchesByCorrelation(templateName: string): Map<string, number> {
    const out = new Map<string, number>();
    for (const l of this.lab.aap.launches().filter((x) => x.templateName === templateName)) {
      const c = String(l.extraVars.labops_correlation ?? "(none)");
      out.set(c, (out.get(c) ?? 0) + 1);
    }
    return out;
  }

  /** What the job persisted (its `state`), read from Redis. */
  async jobState(jobId: string): Promise<Record<string, unknown>> {
    const job = await this.labops.queue.queue.getJob(jobId);
    return ((job?.data as { state?: Record<string, unknown> } | undefined)?.state) ?? {};
  }

  /** How many times BullMQ recorded the job as completed (its events stream). */
  async completions(jobId: string): Promise<number> {
    const entries = await this.labops.redis.xrange(`${this.config.redis.prefix}:jobs:events`, "-", "+");
    return entries.filter(([, f]) => fieldOf(f, "event") === "completed" && fieldOf(f, "jobId") === jobId).length;
  }

  /** Waits for the job's message to reach a final state; returns the message. */
  final(jobId: string, timeoutMs = 30_000): Promise<BookMessage> {
    return this.#until(() => this.book.refresh().forJob(jobId).find((m) => isFinalState(m.entries.at(-1)!.msg.state)), timeoutMs, `final message of ${jobId}`);
  }

  /** Polls `probe` every 20 ms until it returns a value. */
  waitFor<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string): Promise<T> {
    return this.#until(probe, timeoutMs, what);
  }

  async #until<T>(probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, what: string, abort?: Promise<string>): Promise<T> {
    let aborted: string | undefined;
    void abort?.then((why) => (aborted = why));
    const t0 = Date.now();
    for (;;) {
      const v = await probe();
      if (v !== undefined && v !== false) return v;
      if (aborted) throw new Error(aborted);
      if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGKILLs (by pid) every child still running; a stopped one gets SIGCONT first. */
  async stopAll(): Promise<void> {
    for (const c of this.children) {
      if (c.proc.exitCode === null && c.proc.signalCode === null) {
        c.signal("SIGCONT");
        c.signal("SIGKILL");
        await c.exited;
      }
    }
  }

  /** Stops every child, drops this run's Redis keys, closes labops and the lab. */
  async close(): Promise<void> {
    await this.stopAll();
    await this.labops.queue.queue.obliterate({ force: true }).catch(() => {});
    await this.labops.redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${this.config.redis.prefix}:*`).catch(() => {});
    await this.labops.close();
    await this.lab.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function fieldOf(fields: string[], name: string): string | undefined {
  const i = fields.indexOf(name);
  return i >= 0 && i % 2 === 0 ? fields[i + 1] : undefined;
}
