import { ErrorCode, type WebClient } from "@slack/web-api";
import type { ChannelRef, MessageRef } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import type { Notifier } from "../../core/notifier.ts";
import { RateLimitedError } from "../throttled-notifier.ts";
import { toSlackMessage } from "./block-kit.ts";

/** A Slack Web API call that failed for a reason other than a rate limit (the token never appears in it). */
export class SlackCallError extends Error {
  override name = "SlackCallError";
  constructor(readonly method: string, readonly code: string, options?: ErrorOptions) {
    super(`slack ${method} failed: ${code}`, options);
  }
}

/**
 * The raw Slack notifier: one Web API call per post/edit, no throttling of its own. Wrap it in
 * ThrottledNotifier. Its WebClient must have `rejectRateLimitedCalls: true`, so a 429 surfaces here as a
 * RateLimitedError and the throttle (not web-api's 30-minute retry loop) owns the waiting.
 */
export class SlackNotifier implements Notifier {
  constructor(private readonly client: WebClient) {}

  /** chat.postMessage (blocks + fallback text). NOT idempotent: a retry posts a second message. Returns the ts as messageId. */
  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    const body = toSlackMessage(msg);
    const res = await this.#call("chat.postMessage", () =>
      this.client.chat.postMessage({ channel: target.channel, ...body, ...(target.thread ? { thread_ts: target.thread } : {}), unfurl_links: false }),
    );
    if (!res.ts) throw new SlackCallError("chat.postMessage", "no_ts_in_response");
    return { platform: "slack", channel: res.channel ?? target.channel, ...(target.thread ? { thread: target.thread } : {}), messageId: res.ts };
  }

  /** chat.update of (channel, ts): replaces text and blocks. Idempotent. */
  async edit(ref: MessageRef, msg: Message): Promise<void> {
    await this.#call("chat.update", () => this.client.chat.update({ channel: ref.channel, ts: ref.messageId, ...toSlackMessage(msg) }));
  }

  async #call<T>(method: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw mapSlackError(method, err);
    }
  }
}

/** web-api errors → RateLimitedError (429, Retry-After in ms) or SlackCallError (everything else). */
export function mapSlackError(method: string, err: unknown): Error {
  const e = err as { code?: string; retryAfter?: number; data?: { error?: string }; statusCode?: number };
  if (e?.code === ErrorCode.RateLimitedError) return new RateLimitedError(Math.max(0, (e.retryAfter ?? 1) * 1000));
  if (e?.code === ErrorCode.PlatformError) return new SlackCallError(method, e.data?.error ?? "platform_error", { cause: err });
  if (e?.code === ErrorCode.HTTPError) return new SlackCallError(method, `http_${e.statusCode ?? "error"}`, { cause: err });
  if (e?.code === ErrorCode.RequestError) return new SlackCallError(method, "request_error", { cause: err });
  return err instanceof Error ? err : new SlackCallError(method, String(err));
}
