import { DiscordAPIError, HTTPError, RateLimitError, type REST } from "./discord-rest.ts";
import { Routes } from "discord-api-types/v10";
import type { ChannelRef, MessageRef } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import type { Notifier, PostOptions } from "../../core/notifier.ts";
import { ApiError } from "../../errors.ts";
import { RateLimitedError } from "../throttled-notifier.ts";
import { renderMessage } from "./embeds.ts";

/** The REST routes whose rate limits surface as RateLimitedError instead of being waited out inside @discordjs/rest. */
export const CHANNEL_MESSAGE_ROUTES = ["/channels/"];

/**
 * The raw Discord notifier: progress and alert messages are bot-owned CHANNEL messages, posted and edited with
 * the bot token (never through an interaction token, which dies 15 minutes after the command), so a job of
 * any length keeps its one message up to date. Wrap it in a ThrottledNotifier (bucket = channel).
 */
export class DiscordNotifier implements Notifier {
  constructor(private readonly rest: REST) {}

  /**
   * POST /channels/{id}/messages: a new message. With `opts.key`, sent as a nonce with `enforce_nonce`: Discord
   * then answers a repeat by the bot within a few minutes with the first message (idempotent); without, not
   * idempotent. RateLimitedError on 429 (or a known-empty bucket).
   */
  async post(target: ChannelRef, msg: Message, opts?: PostOptions): Promise<MessageRef> {
    const channel = target.thread ?? target.channel;
    const nonce = opts?.key ? { nonce: opts.key.slice(0, 25), enforce_nonce: true } : {};
    const res = (await this.#call("POST", "/channels/{id}/messages", () =>
      this.rest.post(Routes.channelMessages(channel), { body: { ...renderMessage(msg), ...nonce } }),
    )) as { id: string };
    return { platform: "discord", channel: target.channel, ...(target.thread ? { thread: target.thread } : {}), messageId: res.id };
  }

  /** PATCH /channels/{id}/messages/{mid}: replaces the embed and buttons. Idempotent. RateLimitedError on 429. */
  async edit(ref: MessageRef, msg: Message): Promise<void> {
    const channel = ref.thread ?? ref.channel;
    await this.#call("PATCH", "/channels/{id}/messages/{mid}", () =>
      this.rest.patch(Routes.channelMessage(channel, ref.messageId), { body: renderMessage(msg) }),
    );
  }

  async #call(method: string, path: string, fn: () => Promise<unknown>): Promise<unknown> {
    try {
      return await fn();
    } catch (err) {
      throw toNotifierError(err, method, path);
    }
  }
}

/** 429 → RateLimitedError (the ThrottledNotifier pauses the channel and retries); the rest → ApiError("discord"). */
export function toNotifierError(err: unknown, method: string, path: string): Error {
  if (err instanceof RateLimitError) return new RateLimitedError(Math.max(1, Math.ceil(err.retryAfter)));
  if (err instanceof DiscordAPIError) {
    return new ApiError("discord", err.status, method, path, `code ${String(err.code)}: ${err.message}`, { cause: err });
  }
  if (err instanceof HTTPError) return new ApiError("discord", err.status, method, path, err.message, { cause: err });
  return new ApiError("discord", undefined, method, path, err instanceof Error ? err.message : String(err), { cause: err });
}
