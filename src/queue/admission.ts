import type { Redis } from "ioredis";
import { actorKey, type Actor } from "../core/actor.ts";
import { UserError } from "../errors.ts";
import { jobIdFor, QueueUnavailableError } from "./job-queue.ts";
import { RedisScript } from "./redis-script.ts";

export interface AdmissionLimits {
  /** Commands (and button clicks) per person per minute; 0 = no budget. */
  commandsPerMinute: number;
  /** How many a person may send at once before the per-minute rate applies. */
  commandBurst: number;
  /** Per person and mutating command: one per this many ms; 0 = none. */
  cooldownMs: number;
}

/**
 * One script per delivery, in this order:
 * 1. a request seen before (the admitted marker, or the queue's claim of its job id) passes untouched, so a
 *    redelivery is answered "already received" by the queue, never "Slow down";
 * 2. the per-command cooldown (mutating commands);
 * 3. the person's token bucket (`burst` tokens, refilled at `perMinute`);
 * then it takes the token, starts the cooldown and marks the request admitted.
 * KEYS: marker, claim, cooldown, bucket. ARGV: cooldownMs, perMinute, burst, markerTtlMs.
 */
const ADMIT = new RedisScript(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then return {'seen', 0} end
local cooldown = tonumber(ARGV[1])
if cooldown > 0 then
  local left = redis.call('PTTL', KEYS[3])
  if left > 0 then return {'cooldown', left} end
end
local rate = tonumber(ARGV[2]) / 60000
if rate > 0 then
  local burst = tonumber(ARGV[3])
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local b = redis.call('HMGET', KEYS[4], 'tokens', 'at')
  local tokens = tonumber(b[1]) or burst
  local at = tonumber(b[2]) or now
  tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
  if tokens < 1 then return {'budget', math.ceil((1 - tokens) / rate)} end
  redis.call('HSET', KEYS[4], 'tokens', tostring(tokens - 1), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[4], math.ceil(burst / rate) + 1000)
end
if cooldown > 0 then redis.call('SET', KEYS[3], '1', 'PX', cooldown) end
redis.call('SET', KEYS[1], '1', 'PX', ARGV[4])
return {'ok', 0}
`);

/** How long a request stays "seen" for redeliveries that come before its job is claimed (or that make no job). */
const MARKER_TTL_MS = 600_000;

/**
 * The per-person gate on the acknowledgement path: one Redis round trip per command or click. Refusals
 * are UserErrors with code `rate_limited` (budget) or `cooldown`.
 */
export class Admission {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly limits: AdmissionLimits,
    private readonly timeoutMs = 2_000,
  ) {}

  /**
   * Charges one command (or click) to `actor`. `cooldownCommand` names a mutating command whose
   * cooldown applies. Resolves when admitted (or seen before); throws a UserError when refused.
   */
  async admit(actor: Actor, requestId: string, cooldownCommand?: string | undefined): Promise<"ok" | "seen"> {
    const { commandsPerMinute: perMinute, commandBurst: burst } = this.limits;
    const cooldownMs = cooldownCommand ? this.limits.cooldownMs : 0;
    if (perMinute <= 0 && cooldownMs <= 0) return "ok";
    const who = actorKey(actor);
    const id = jobIdFor(requestId);
    const keys = [`${this.prefix}:admitted:${id}`, `${this.prefix}:request:${id}`, `${this.prefix}:cooldown:${who}:${cooldownCommand ?? ""}`, `${this.prefix}:budget:${who}`];
    let res: [string, number];
    try {
      res = (await withTimeout(ADMIT.run(this.redis, keys, [cooldownMs, perMinute, burst, MARKER_TTL_MS]), this.timeoutMs)) as [string, number];
    } catch (err) {
      if (err instanceof Error && err.message.startsWith("timed out")) throw new QueueUnavailableError({ cause: err });
      throw err;
    }
    const [verdict, ms] = res;
    if (verdict === "cooldown") {
      throw new UserError("cooldown", `Slow down: you can run \`/${cooldownCommand}\` again in ${seconds(ms)} s.`);
    }
    if (verdict === "budget") {
      throw new UserError(
        "rate_limited",
        `Slow down: labops takes up to ${burst} commands at once and ${perMinute} a minute from each person. Try again in ${seconds(ms)} s.`,
      );
    }
    return verdict === "seen" ? "seen" : "ok";
  }
}

function seconds(ms: number): number {
  return Math.max(1, Math.ceil(ms / 1000));
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => (clearTimeout(t), resolve(v)), (e) => (clearTimeout(t), reject(e)));
  });
}
