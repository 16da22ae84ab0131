import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/**
 * What a labops button carries in its `integration.context`: the server-side action id (`a`) and an HMAC
 * (`s`) over the channel and that id. Mattermost strips `integration` from every post it sends to clients, so
 * only the Mattermost server and labops know a button's context; a POST to /mattermost/actions that did not
 * come from the server (a forged user_id, another channel, a made-up action id) fails the check.
 */
export interface ButtonContext {
  a: string;
  s: string;
}

export class ButtonSigner {
  readonly #key: Buffer;

  /** The key is derived from the bot token: every labops process of one bot agrees, and nothing new needs keeping secret. */
  constructor(botToken: string) {
    this.#key = createHmac("sha256", botToken).update("labops mattermost button context v1").digest();
  }

  context(channelId: string, actionId: string): ButtonContext {
    return { a: actionId, s: this.#sign(channelId, actionId) };
  }

  /** The action id when `context` was made by labops for this channel; undefined otherwise. */
  verify(channelId: string, context: unknown): string | undefined {
    if (!context || typeof context !== "object") return undefined;
    const { a, s } = context as Record<string, unknown>;
    if (typeof a !== "string" || typeof s !== "string" || a.length > 100 || s.length > 100) return undefined;
    return sameSecret(this.#sign(channelId, a), s) ? a : undefined;
  }

  #sign(channelId: string, actionId: string): string {
    return createHmac("sha256", this.#key).update(`${channelId}\n${actionId}`).digest("base64url");
  }
}

/** Constant-time comparison of two secrets of any length (both hashed first, so the buffers are equal in length). */
export function sameSecret(expected: string, given: string): boolean {
  const a = createHash("sha256").update(expected, "utf8").digest();
  const b = createHash("sha256").update(given, "utf8").digest();
  return timingSafeEqual(a, b);
}
