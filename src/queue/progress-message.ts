import type { ChannelRef, MessageRef } from "../core/actor.ts";
import type { Message } from "../core/message.ts";
import type { Notifier } from "../core/notifier.ts";
import type { Logger } from "../logger.ts";

export interface ProgressMessageOptions {
  notifier: Notifier;
  channel: ChannelRef;
  /** A message posted by an earlier attempt of the same job: edit it instead of posting a new one. */
  ref?: MessageRef | undefined;
  /** Called once the message exists, so the job can persist where it is. */
  onPosted?: ((ref: MessageRef) => Promise<void>) | undefined;
  /** Passed with the first post (PostOptions.key): a repeated first post of this job is not doubled where the platform allows. */
  postKey?: string | undefined;
  /** At most one edit per message in this interval; the latest state wins. */
  minIntervalMs: number;
  log: Logger;
  now?: (() => number) | undefined;
}

/**
 * One message per job, edited in place. Intermediate states are coalesced (latest wins, at most one
 * edit per `minIntervalMs`); the final state is always delivered, retried if the platform fails.
 */
export class ProgressMessage {
  #ref: MessageRef | undefined;
  #pending: Message | undefined;
  #lastSent = 0;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<void> = Promise.resolve();
  #finished = false;
  /** What the message shows now (as last sent): an edit that would show the same is not sent. */
  #shown: string | undefined;
  /** Number of post/edit calls made, for tests and metrics. */
  sends = 0;
  /** Edits not sent because the message already showed exactly that. */
  unchanged = 0;

  constructor(private readonly opts: ProgressMessageOptions) {
    this.#ref = opts.ref;
  }

  get ref(): MessageRef | undefined {
    return this.#ref;
  }

  /** Shows `msg` soon: now if the interval has passed, else when it does (replacing anything still pending). */
  update(msg: Message): void {
    if (this.#finished) return;
    this.#pending = msg;
    if (this.#timer) return;
    const wait = Math.max(0, this.#lastSent + this.opts.minIntervalMs - this.#now());
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#chain = this.#chain.then(() => this.#flush(false));
    }, wait);
    this.#timer.unref?.();
  }

  /**
   * Posts the first state at once (no coalescing): the person sees life within the ack budget. The
   * returned promise may be ignored: later updates and the final state queue behind the post.
   */
  async start(msg: Message): Promise<void> {
    // This exact message goes first, even if an update arrives before the post is under way.
    await (this.#chain = this.#chain.then(async () => {
      try {
        await this.#send(msg);
      } catch (err) {
        this.opts.log.warn({ err: String(err) }, "progress post failed");
      }
    }));
  }

  /** Shows `msg` at once, skipping the coalescing (a retry notice must go out while the job still owns its lock). */
  async now(msg: Message): Promise<void> {
    if (this.#finished) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = msg;
    await (this.#chain = this.#chain.then(() => this.#flush(false)));
  }

  /**
   * Delivers the final state at once (the platform's throttle spaces it from the last edit), retrying
   * failures with backoff. Anything still pending is dropped: the final state supersedes it.
   */
  async finish(msg: Message, { retries = 5 }: { retries?: number } = {}): Promise<void> {
    this.#finished = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = msg;
    await this.#chain;
    for (let attempt = 0; ; attempt++) {
      try {
        await this.#send(msg);
        return;
      } catch (err) {
        if (attempt >= retries) throw err;
        this.opts.log.warn({ err: String(err), attempt }, "final message not delivered, retrying");
        await new Promise((r) => setTimeout(r, Math.min(30_000, 500 * 2 ** attempt)));
      }
    }
  }

  async #flush(final: boolean): Promise<void> {
    const msg = this.#pending;
    if (!msg || (this.#finished && !final)) return;
    this.#pending = undefined;
    try {
      await this.#send(msg);
    } catch (err) {
      this.opts.log.warn({ err: String(err) }, "progress edit failed");
    }
  }

  async #send(msg: Message): Promise<void> {
    const shown = JSON.stringify(msg);
    if (this.#ref && shown === this.#shown) {
      // Same content as on screen: an edit would spend the platform's budget and change nothing.
      this.unchanged++;
      return;
    }
    this.sends++;
    this.#lastSent = this.#now();
    if (this.#ref) {
      await this.opts.notifier.edit(this.#ref, msg);
      this.#shown = shown;
      return;
    }
    this.#ref = await this.opts.notifier.post(this.opts.channel, msg, { key: this.opts.postKey });
    this.#shown = shown;
    await this.opts.onPosted?.(this.#ref);
  }

  #now(): number {
    return this.opts.now?.() ?? Date.now();
  }
}
