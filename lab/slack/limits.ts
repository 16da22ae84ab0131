/**
 * Slack's Web API rate limits as the fake enforces them: per method per workspace, with a sliding window
 * of one minute for the tiered methods, and the special chat.postMessage limit (about one message per
 * second per channel, short bursts tolerated). `timeScale` shrinks every window so tests run fast.
 * https://docs.slack.dev/apis/web-api/rate-limits
 */
export interface SlackLimits {
  /** Calls per minute per method (per workspace). Tier 1: 1, Tier 2: 20, Tier 3: 50, Tier 4: 100. */
  perMinute: Record<string, number>;
  /** chat.postMessage: one per `postIntervalMs` per channel, with bursts of `postBurst`. */
  postIntervalMs: number;
  postBurst: number;
  /** Multiplies every window (0.05 = a minute lasts 3 s). */
  timeScale: number;
}

export const DEFAULT_SLACK_LIMITS: SlackLimits = {
  perMinute: {
    "chat.update": 50, // Tier 3
    "chat.postEphemeral": 100, // Tier 4
    "usergroups.list": 20, // Tier 2
    "auth.test": 100, // Tier 4 ("special", generous)
    "apps.connections.open": 50, // Tier 3 per chat-protocols.md A5
  },
  postIntervalMs: 1_000,
  postBurst: 5,
  timeScale: 1,
};

/** Returns 0 when the call may go ahead (and counts it), else the ms until it would be allowed. */
export class SlackRateLimiter {
  readonly #windows = new Map<string, number[]>();
  readonly #posts = new Map<string, { tokens: number; at: number }>();

  constructor(readonly limits: SlackLimits) {}

  check(method: string, channel: string | undefined, now: number): number {
    if (method === "chat.postMessage") return this.#post(channel ?? "", now);
    const perMinute = this.limits.perMinute[method];
    if (perMinute === undefined) return 0;
    const windowMs = 60_000 * this.limits.timeScale;
    const calls = (this.#windows.get(method) ?? []).filter((t) => t > now - windowMs);
    this.#windows.set(method, calls);
    if (calls.length >= perMinute) return calls[0]! + windowMs - now;
    calls.push(now);
    return 0;
  }

  #post(channel: string, now: number): number {
    const interval = this.limits.postIntervalMs * this.limits.timeScale;
    const b = this.#posts.get(channel) ?? { tokens: this.limits.postBurst, at: now };
    b.tokens = Math.min(this.limits.postBurst, b.tokens + (now - b.at) / interval);
    b.at = now;
    this.#posts.set(channel, b);
    if (b.tokens < 1) return Math.ceil((1 - b.tokens) * interval);
    b.tokens -= 1;
    return 0;
  }
}
