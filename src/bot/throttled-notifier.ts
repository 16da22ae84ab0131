import type { ChannelRef, MessageRef } from "../core/actor.ts";
import { isFinalState, type Message } from "../core/message.ts";
import type { Notifier, PostOptions } from "../core/notifier.ts";
import type { RateBudget } from "../core/rate-budget.ts";
import { RateLimitedError } from "../errors.ts";

export { RateLimitedError };

export interface ThrottleOptions {
  /** At most one edit per message in this interval. */
  perMessageMs: number;
  /** The bucket a call counts against (Slack: the workspace; Discord: the channel). */
  bucketOf: (target: ChannelRef) => string;
  /** Token bucket per key: `capacity` calls, refilled one every `refillMs`. */
  capacity: number;
  refillMs: number;
  /** Give up on an intermediate edit after this many 429s (finals are retried until delivered). */
  maxRetries?: number | undefined;
  now?: (() => number) | undefined;
  /**
   * The budget shared with every other process posting to the same workspace (Redis): each call takes its token
   * there, and a 429 pauses them all. `scope` keeps platforms apart ("slack", "discord"). Without it (or while Redis
   * does not answer) the bucket is this process's own.
   */
  shared?: { budget: RateBudget; scope: string } | undefined;
}

interface Pending {
  key: string;
  ref?: MessageRef | undefined;
  target: ChannelRef;
  msg: Message;
  isPost: boolean;
  postOptions?: PostOptions | undefined;
  waiters: { resolve: (r: MessageRef) => void; reject: (e: unknown) => void }[];
  tries: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
  pausedUntil: number;
  queue: string[];
  timer?: NodeJS.Timeout | undefined;
  busy: boolean;
}

/**
 * Keeps a platform inside its rate limits: edits to the same message are coalesced (latest wins) and
 * spaced `perMessageMs` apart; every call spends a token of its bucket; a 429 pauses the bucket for its
 * Retry-After and the call is retried. Final states and posts are never dropped.
 */
export class ThrottledNotifier implements Notifier {
  readonly #pending = new Map<string, Pending>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #lastEdit = new Map<string, number>();
  /** Calls made to the platform, and 429s seen, for tests and metrics. */
  readonly stats = { calls: 0, rateLimited: 0, coalesced: 0, sharedWaits: 0, sharedErrors: 0 };
  #seq = 0;

  constructor(
    private readonly inner: Notifier,
    private readonly opts: ThrottleOptions,
  ) {}

  post(target: ChannelRef, msg: Message, opts?: PostOptions): Promise<MessageRef> {
    return this.#enqueue({ key: `post:${++this.#seq}`, target, msg, isPost: true, postOptions: opts });
  }

  async edit(ref: MessageRef, msg: Message): Promise<void> {
    await this.#enqueue({ key: `edit:${ref.platform}:${ref.channel}:${ref.messageId}`, ref, target: ref, msg, isPost: false });
  }

  #enqueue(p: Omit<Pending, "waiters" | "tries">): Promise<MessageRef> {
    return new Promise((resolve, reject) => {
      const existing = this.#pending.get(p.key);
      if (existing) {
        existing.msg = p.msg; // latest wins
        existing.waiters.push({ resolve, reject });
        this.stats.coalesced++;
        return;
      }
      this.#pending.set(p.key, { ...p, waiters: [{ resolve, reject }], tries: 0 });
      const bucket = this.#bucket(this.opts.bucketOf(p.target));
      bucket.queue.push(p.key);
      this.#pump(this.opts.bucketOf(p.target));
    });
  }

  #bucket(key: string): Bucket {
    let b = this.#buckets.get(key);
    if (!b) {
      b = { tokens: this.opts.capacity, updatedAt: this.#now(), pausedUntil: 0, queue: [], busy: false };
      this.#buckets.set(key, b);
    }
    return b;
  }

  #refill(b: Bucket): void {
    const now = this.#now();
    const add = Math.floor((now - b.updatedAt) / this.opts.refillMs);
    if (add > 0) {
      b.tokens = Math.min(this.opts.capacity, b.tokens + add);
      b.updatedAt += add * this.opts.refillMs;
    }
    if (b.tokens >= this.opts.capacity) b.updatedAt = now;
  }

  #pump(bucketKey: string): void {
    const b = this.#bucket(bucketKey);
    if (b.busy || b.timer) return;
    const now = this.#now();
    if (b.pausedUntil > now) return this.#wake(bucketKey, b, b.pausedUntil - now);
    // Posts first (a job waits for its first post before it may change anything in the lab; an edit of a running
    // job only refreshes what is shown), then the first queued edit whose message may be edited now.
    let waitFor = Infinity;
    let idx = b.queue.findIndex((key) => this.#pending.get(key)?.isPost);
    for (let i = 0; idx < 0 && i < b.queue.length; i++) {
      const key = b.queue[i]!;
      const ready = (this.#lastEdit.get(key) ?? 0) + this.opts.perMessageMs;
      if (ready <= now) {
        idx = i;
        break;
      }
      waitFor = Math.min(waitFor, ready - now);
    }
    if (idx < 0) {
      if (waitFor < Infinity) this.#wake(bucketKey, b, waitFor);
      return;
    }
    if (this.opts.shared) return this.#takeShared(bucketKey, b, idx);
    this.#refill(b);
    if (b.tokens < 1) return this.#wake(bucketKey, b, b.updatedAt + this.opts.refillMs - now);
    b.tokens--;
    this.#start(bucketKey, b, idx);
  }

  /** The token comes from the shared budget; while it is asked for, the bucket is busy (its queue only grows). */
  #takeShared(bucketKey: string, b: Bucket, idx: number): void {
    const { budget, scope } = this.opts.shared!;
    b.busy = true;
    void budget.take(`${scope}:${bucketKey}`, this.opts.capacity, this.opts.refillMs).then(
      (waitMs) => {
        b.busy = false;
        if (waitMs > 0) {
          this.stats.sharedWaits++;
          return this.#wake(bucketKey, b, waitMs);
        }
        this.#start(bucketKey, b, idx);
      },
      () => {
        // Redis does not answer: this process's own bucket keeps it within the limit on its own.
        b.busy = false;
        this.stats.sharedErrors++;
        this.#refill(b);
        if (b.tokens < 1) return this.#wake(bucketKey, b, b.updatedAt + this.opts.refillMs - this.#now());
        b.tokens--;
        this.#start(bucketKey, b, idx);
      },
    );
  }

  #start(bucketKey: string, b: Bucket, idx: number): void {
    const key = b.queue.splice(idx, 1)[0]!;
    const p = this.#pending.get(key)!;
    this.#pending.delete(key);
    b.busy = true;
    void this.#send(p).finally(() => {
      b.busy = false;
      this.#pump(bucketKey);
    });
  }

  #wake(bucketKey: string, b: Bucket, ms: number): void {
    b.timer = setTimeout(() => {
      b.timer = undefined;
      this.#pump(bucketKey);
    }, Math.max(1, ms));
    b.timer.unref?.();
  }

  async #send(p: Pending): Promise<void> {
    const waiters = p.waiters;
    const msg = p.msg;
    this.stats.calls++;
    try {
      const ref = p.isPost ? await this.inner.post(p.target, msg, p.postOptions) : (await this.inner.edit(p.ref!, msg), p.ref!);
      this.#lastEdit.set(p.isPost ? `edit:${ref.platform}:${ref.channel}:${ref.messageId}` : p.key, this.#now());
      for (const w of waiters) w.resolve(ref);
    } catch (err) {
      if (!(err instanceof RateLimitedError)) {
        for (const w of waiters) w.reject(err);
        return;
      }
      this.stats.rateLimited++;
      const bucketKey = this.opts.bucketOf(p.target);
      const b = this.#bucket(bucketKey);
      b.pausedUntil = this.#now() + err.retryAfterMs;
      if (this.opts.shared) void this.opts.shared.budget.pause(`${this.opts.shared.scope}:${bucketKey}`, err.retryAfterMs).catch(() => {});
      const mustDeliver = p.isPost || isFinalState(msg.state) || (msg.buttons?.length ?? 0) > 0;
      if (!mustDeliver && p.tries + 1 > (this.opts.maxRetries ?? 3)) {
        for (const w of waiters) w.resolve(p.ref!);
        return;
      }
      // Put it back at the front, merged with anything newer for the same message.
      const newer = this.#pending.get(p.key);
      if (newer) {
        newer.waiters.unshift(...waiters);
        newer.tries = p.tries + 1;
      } else {
        this.#pending.set(p.key, { ...p, tries: p.tries + 1 });
        b.queue.unshift(p.key);
      }
    }
  }

  #now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
