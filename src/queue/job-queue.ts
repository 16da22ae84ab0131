import { createHash } from "node:crypto";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { QueueUnavailableError, UserError } from "../errors.ts";
import { actorKey, type Actor } from "../core/actor.ts";
import type { JobName } from "../core/job-names.ts";
import type { EnqueueResult, JobSink } from "../core/job-sink.ts";
import { jobPayloadSchema, type JobPayloadInput } from "../core/job-payload.ts";
import { RedisScript } from "./redis-script.ts";

export const QUEUE_NAME = "jobs";
/** A job in a person's set with no job hash yet is being added: it counts for this long. */
const GRACE_MS = 10_000;

export type { EnqueueResult };
export { QueueUnavailableError };

/** The job id is derived from the platform's request id, so a delivered-twice request makes one job. */
export function jobIdFor(requestId: string): string {
  const id = createHash("sha256").update(requestId).digest("hex").slice(0, 12);
  // BullMQ refuses custom ids that are integers ("Custom Id cannot be integers"): about 1 hash in 280 is all digits.
  return /^\d+$/.test(id) ? `a${id.slice(1)}` : id;
}

/**
 * Claims a request id for its job and counts the job against its person's cap, in one step:
 * 1. a claimed request is a duplicate (checked first: a redelivery is never refused by the cap);
 * 2. the person's set of queued jobs drops those that finished (BullMQ's `finishedOn`) or were removed
 *    (no job hash, once older than the grace that covers the add in flight), and refuses when still full;
 * 3. claims the request and adds the job to the set.
 * KEYS: claim, person's set. ARGV: claim value, claim TTL s, cap (0 = none), job id, job key prefix, grace ms.
 */
const CLAIM = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 then return {'duplicate', 0} end
local cap = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
if cap > 0 then
  local members = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  for i = 1, #members, 2 do
    local id, at = members[i], tonumber(members[i + 1])
    local key = ARGV[5] .. id
    if redis.call('EXISTS', key) == 0 then
      if now - at > tonumber(ARGV[6]) then redis.call('ZREM', KEYS[2], id) end
    elseif redis.call('HEXISTS', key, 'finishedOn') == 1 then
      redis.call('ZREM', KEYS[2], id)
    end
  end
  local n = redis.call('ZCARD', KEYS[2])
  if n >= cap then return {'full', n} end
end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
if cap > 0 then
  redis.call('ZADD', KEYS[2], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[2], 604800000)
end
return {'ok', 0}
`);

/** The person already has `count` jobs waiting or running (the per-person cap). */
export class TooManyJobsError extends UserError {
  constructor(readonly count: number) {
    super("too_many_jobs", `You have ${count} jobs queued or running; wait for one to finish or \`/cancel\` one.`);
  }
}

/**
 * The producer side, used on the acknowledgement path. Refuses at once when the connection to Redis is
 * down; gives up after `timeoutMs` (default 2 s, inside the platforms' 3 s) when Redis hangs.
 */
export class JobQueue implements JobSink {
  readonly queue: Queue;

  constructor(
    private readonly connection: Redis,
    opts: {
      prefix: string;
      attempts: number;
      backoffMs?: number | undefined;
      timeoutMs?: number | undefined;
      /** Replicas that must hold a new job before `enqueue` resolves (Redis WAIT); 0 = do not wait. */
      waitReplicas?: number | undefined;
      waitTimeoutMs?: number | undefined;
      /** Jobs a person may have waiting or running at once; 0 = no cap. Default 0. */
      queuedPerPerson?: number | undefined;
    },
  ) {
    this.queue = new Queue(QUEUE_NAME, {
      connection,
      prefix: opts.prefix,
      defaultJobOptions: {
        attempts: opts.attempts,
        backoff: { type: "exponential", delay: opts.backoffMs ?? 2_000 },
        removeOnComplete: { age: 86_400, count: 5_000 },
        removeOnFail: { age: 7 * 86_400, count: 5_000 },
      },
    });
    this.queue.on("error", () => {});
    this.#timeoutMs = opts.timeoutMs ?? 2_000;
    this.#cap = opts.queuedPerPerson ?? 0;
    this.prefix = opts.prefix;
    this.#waitReplicas = opts.waitReplicas ?? 0;
    this.#waitTimeoutMs = opts.waitTimeoutMs ?? 200;
  }
  readonly prefix: string;
  readonly #waitReplicas: number;
  readonly #waitTimeoutMs: number;
  readonly #timeoutMs: number;
  readonly #cap: number;

  get ready(): boolean {
    return this.connection.status === "ready";
  }

  /**
   * Claims the request id and queues its job. A repeat of the request within a day is answered from the
   * first; a person at the cap gets TooManyJobsError (`uncapped` for jobs that must get through, /cancel).
   */
  async enqueue(name: JobName, payload: JobPayloadInput, opts: { uncapped?: boolean | undefined } = {}): Promise<EnqueueResult> {
    const data = jobPayloadSchema.parse(payload);
    if (!this.ready) throw new QueueUnavailableError();
    const jobId = jobIdFor(data.requestId);
    const claimKey = `${this.prefix}:request:${jobId}`;
    const setKey = this.queuedKey(data.actor);
    const cap = opts.uncapped ? 0 : this.#cap;
    let verdict: [string, number];
    try {
      verdict = (await withTimeout(CLAIM.run(this.connection, [claimKey, setKey], [name, 86_400, cap, jobId, this.queue.toKey(""), GRACE_MS]), this.#timeoutMs)) as [string, number];
    } catch (err) {
      // A command the connection refused was never sent; a slow answer may still have been applied.
      const uncertain = err instanceof Error && err.message.startsWith("timed out");
      throw new QueueUnavailableError({ cause: err, uncertain });
    }
    if (verdict[0] === "duplicate") return { jobId, duplicate: true };
    if (verdict[0] === "full") throw new TooManyJobsError(verdict[1]);
    try {
      await withTimeout(this.queue.add(name, data, { jobId }), this.#timeoutMs);
      if (this.#waitReplicas > 0) {
        // Replication is asynchronous: a failover right after the answer could lose the job, so wait (bounded)
        // until a replica has it. Fewer replicas in time still answers "queued": the master has the job.
        const replicas = await withTimeout(this.connection.wait(this.#waitReplicas, this.#waitTimeoutMs), this.#timeoutMs);
        return { jobId, duplicate: false, replicas };
      }
      return { jobId, duplicate: false };
    } catch (err) {
      const uncertain = err instanceof Error && err.message.startsWith("timed out");
      if (!uncertain) {
        this.connection.del(claimKey).catch(() => {});
        this.connection.zrem(setKey, jobId).catch(() => {});
      }
      throw new QueueUnavailableError({ cause: err, uncertain });
    }
  }

  /** A job removed before it ran no longer counts against its person's cap (without waiting for the grace). */
  async forget(actor: Pick<Actor, "platform" | "id">, jobId: string): Promise<void> {
    await this.connection.zrem(this.queuedKey(actor), jobId);
  }

  /** The set of a person's jobs counted against the cap. */
  queuedKey(actor: Pick<Actor, "platform" | "id">): string {
    return `${this.prefix}:queued:${actorKey(actor)}`;
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
  });
}
