import type { Redis } from "ioredis";
import type { RateBudget } from "../core/rate-budget.ts";
import { RedisScript } from "./redis-script.ts";

/**
 * KEYS: the bucket hash (tokens, at, paused). ARGV: capacity, refillMs. Time is the Redis server's, so processes
 * on several hosts agree. Returns 0 when a call was taken, else the ms until one may be.
 */
const TAKE = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local capacity = tonumber(ARGV[1])
local refill = tonumber(ARGV[2])
local b = redis.call('HMGET', KEYS[1], 'tokens', 'at', 'paused')
local paused = tonumber(b[3]) or 0
if paused > now then return paused - now end
local tokens = tonumber(b[1]) or capacity
local at = tonumber(b[2]) or now
local add = math.floor((now - at) / refill)
if add > 0 then tokens = math.min(capacity, tokens + add); at = at + add * refill end
if tokens >= capacity then at = now end
if tokens < 1 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(at))
  return math.max(1, at + refill - now)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens - 1), 'at', tostring(at))
redis.call('PEXPIRE', KEYS[1], capacity * refill + 60000)
return 0
`);

/** KEYS: the bucket hash. ARGV: pause ms. Extends the pause, never shortens it. */
const PAUSE = new RedisScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ = now + tonumber(ARGV[1])
local paused = tonumber(redis.call('HGET', KEYS[1], 'paused')) or 0
if until_ > paused then redis.call('HSET', KEYS[1], 'paused', tostring(until_)) end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[1]) + 60000)
return 0
`);

/** The chat call budget in Redis, one bucket per workspace (Slack) or channel (Discord) for all bots and workers. */
export class RedisRateBudget implements RateBudget {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async take(key: string, capacity: number, refillMs: number): Promise<number> {
    return Number(await TAKE.run(this.redis, [this.#key(key)], [capacity, refillMs]));
  }

  async pause(key: string, ms: number): Promise<void> {
    await PAUSE.run(this.redis, [this.#key(key)], [Math.max(1, Math.ceil(ms))]);
  }

  #key(key: string): string {
    return `${this.prefix}:chat-budget:${key}`;
  }
}
