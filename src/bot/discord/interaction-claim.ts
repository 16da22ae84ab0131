import type { Redis } from "ioredis";

/** Resolves true for the one process that may answer interaction `id`. */
export type InteractionClaim = (id: string) => Promise<boolean>;

/**
 * Several bot processes on one token (no sharding) each receive every interaction from Discord's gateway.
 * The first to set the interaction's key answers it; the others stay silent. Interaction ids are unique
 * snowflakes and a token is answerable for 15 min, so the key lives 15 min. When Redis cannot be asked,
 * the process answers anyway: the command itself is deduplicated by its request id, and a second answer
 * is only refused by Discord ("already acknowledged"), whereas no answer would leave the person waiting.
 */
export function redisInteractionClaim(redis: Redis, prefix: string, ttlMs = 15 * 60_000): InteractionClaim {
  return async (id) => {
    try {
      return (await redis.set(`${prefix}:discord:interaction:${id}`, "1", "PX", ttlMs, "NX")) === "OK";
    } catch {
      return true;
    }
  };
}
