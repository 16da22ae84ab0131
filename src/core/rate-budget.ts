/**
 * A call budget shared by every process that talks to one chat workspace (or channel): a token bucket of
 * `capacity` calls refilled one every `refillMs`, and a pause that a 429 starts for everyone. `queue/` implements
 * it in Redis; without one, each process keeps its own bucket.
 */
export interface RateBudget {
  /** Takes one call from `key`'s bucket: resolves 0 when taken, or how many ms to wait before asking again. */
  take(key: string, capacity: number, refillMs: number): Promise<number>;
  /** Every process holds calls to `key` for `ms` (the platform said Retry-After). */
  pause(key: string, ms: number): Promise<void>;
}
