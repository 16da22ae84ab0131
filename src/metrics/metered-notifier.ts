import type { ChannelRef, MessageRef } from "../core/actor.ts";
import type { Message } from "../core/message.ts";
import type { Notifier } from "../core/notifier.ts";
import { RateLimitedError } from "../errors.ts";
import type { Metrics } from "./metrics.ts";

/**
 * Counts every call a platform notifier makes (ok, rate_limited on a 429, error). Wrap the platform's own
 * notifier INSIDE the ThrottledNotifier, so each retry after a 429 is counted as the call it is:
 * `new ThrottledNotifier(new MeteredNotifier(slackNotifier, "slack", metrics), opts)`.
 */
export class MeteredNotifier implements Notifier {
  constructor(
    private readonly inner: Notifier,
    private readonly platform: string,
    private readonly metrics: Metrics,
  ) {}

  post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    return this.#count(() => this.inner.post(target, msg));
  }

  edit(ref: MessageRef, msg: Message): Promise<void> {
    return this.#count(() => this.inner.edit(ref, msg));
  }

  async #count<T>(call: () => Promise<T>): Promise<T> {
    try {
      const result = await call();
      this.metrics.chatCall(this.platform, "ok");
      return result;
    } catch (err) {
      this.metrics.chatCall(this.platform, err instanceof RateLimitedError ? "rate_limited" : "error");
      throw err;
    }
  }
}
