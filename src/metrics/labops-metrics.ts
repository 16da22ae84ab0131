import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Queue } from "bullmq";
import type { ChatCallOutcome, CommandOutcome, JobOutcome, Metrics } from "./metrics.ts";

export interface LabopsMetricsOptions {
  /** Registered command names; any other name is recorded as `other`, so typos cannot grow the label set. */
  commands?: readonly string[] | undefined;
  /** Process metrics (CPU, memory, event loop lag, GC), prefixed `labops_`. Default true. */
  defaultMetrics?: boolean | undefined;
  /** How long a scrape waits for the queue counts before leaving them out. Default 1000 ms. */
  queueTimeoutMs?: number | undefined;
}

const QUEUE_STATES = ["waiting", "active", "delayed", "failed", "completed"] as const;
/** Acknowledgements: 1 ms to Slack's 3 s deadline. */
const ACK_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 3];
/** Jobs: 100 ms to the 2 h AAP job timeout. */
const JOB_BUCKETS = [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200];

/**
 * labops' Prometheus metrics in a registry this instance owns (never prom-client's global one), so two
 * instances in one process (tests) do not collide. `registry.metrics()` renders the exposition text.
 */
export class LabopsMetrics implements Metrics {
  readonly registry = new Registry();
  readonly #commands: Counter<"command" | "outcome">;
  readonly #ack: Histogram<"platform">;
  readonly #jobs: Histogram<"kind" | "outcome">;
  readonly #lockWaits: Counter<"target_kind">;
  readonly #chatCalls: Counter<"platform" | "outcome">;
  readonly #chatLimited: Counter<"platform">;
  readonly #backend: Counter<"service" | "status">;
  readonly #known: ReadonlySet<string> | undefined;
  #queue: Queue | undefined;

  constructor(opts: LabopsMetricsOptions = {}) {
    const registers = [this.registry];
    this.#known = opts.commands ? new Set(opts.commands) : undefined;
    this.#commands = new Counter({ name: "labops_commands_total", help: "Commands answered on the acknowledgement path, by outcome", labelNames: ["command", "outcome"], registers });
    this.#ack = new Histogram({ name: "labops_ack_latency_seconds", help: "Time from a platform's delivery to labops' acknowledgement", labelNames: ["platform"], buckets: ACK_BUCKETS, registers });
    this.#jobs = new Histogram({ name: "labops_job_duration_seconds", help: "Run time of one processing of a job, by job name and outcome", labelNames: ["kind", "outcome"], buckets: JOB_BUCKETS, registers });
    this.#lockWaits = new Counter({ name: "labops_lock_waits_total", help: "Jobs that had to wait for a target lock, by kind of target", labelNames: ["target_kind"], registers });
    this.#chatCalls = new Counter({ name: "labops_chat_api_calls_total", help: "Calls to a chat platform's API, by outcome", labelNames: ["platform", "outcome"], registers });
    this.#chatLimited = new Counter({ name: "labops_chat_rate_limited_total", help: "HTTP 429 answers from a chat platform", labelNames: ["platform"], registers });
    this.#backend = new Counter({ name: "labops_backend_errors_total", help: "Failed backend requests, by service and HTTP status (none: no answer)", labelNames: ["service", "status"], registers });
    const timeoutMs = opts.queueTimeoutMs ?? 1_000;
    const self = this;
    new Gauge({
      name: "labops_queue_jobs", help: "Jobs in the BullMQ queue by state, read at scrape time", labelNames: ["state"], registers,
      async collect() {
        this.reset(); // no stale numbers when Redis does not answer
        const counts = await self.#queueCounts(timeoutMs);
        if (counts) for (const s of QUEUE_STATES) this.set({ state: s }, counts[s] ?? 0);
      },
    });
    if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: this.registry, prefix: "labops_" });
  }

  /** The queue whose job counts `labops_queue_jobs` reports at each scrape. */
  setQueue(queue: Queue): this {
    this.#queue = queue;
    return this;
  }

  commandHandled(command: string, outcome: CommandOutcome): void {
    const name = !this.#known || this.#known.has(command) ? command : "other";
    this.#commands.inc({ command: name, outcome });
  }

  ackLatency(platform: string, ms: number): void {
    this.#ack.observe({ platform }, Math.max(0, ms) / 1_000);
  }

  jobFinished(kind: string, outcome: JobOutcome, ms: number): void {
    this.#jobs.observe({ kind, outcome }, Math.max(0, ms) / 1_000);
  }

  lockWaited(target: string): void {
    this.#lockWaits.inc({ target_kind: target.split(":")[0] || "unknown" });
  }

  chatCall(platform: string, outcome: ChatCallOutcome): void {
    this.#chatCalls.inc({ platform, outcome });
    if (outcome === "rate_limited") this.#chatLimited.inc({ platform });
  }

  backendError(service: string, status: number | undefined): void {
    this.#backend.inc({ service, status: status === undefined ? "none" : String(status) });
  }

  /** The exposition text and its content type (`text/plain; version=0.0.4`). */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  async #queueCounts(timeoutMs: number): Promise<Record<string, number> | undefined> {
    if (!this.#queue) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), timeoutMs)));
    try {
      return await Promise.race([this.#queue.getJobCounts(...QUEUE_STATES), timeout]);
    } catch {
      return undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
