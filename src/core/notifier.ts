import type { ChannelRef, MessageRef, Platform } from "./actor.ts";
import type { Message } from "./message.ts";

/** How a post may be made safe to repeat. */
export interface PostOptions {
  /**
   * Names this post (at most 25 characters): a platform that can refuse a repeat (Discord's enforced nonce)
   * answers a second post with the same key, made shortly after, with the first message instead of a new one.
   */
  key?: string | undefined;
}

/** The outbound port every front end implements: post a message, edit it in place. */
export interface Notifier {
  post(target: ChannelRef, msg: Message, opts?: PostOptions): Promise<MessageRef>;
  edit(ref: MessageRef, msg: Message): Promise<void>;
}

/** Routes each call to the notifier of the target's platform. */
export class NotifierRegistry implements Notifier {
  readonly #byPlatform = new Map<Platform, Notifier>();

  register(platform: Platform, notifier: Notifier): this {
    this.#byPlatform.set(platform, notifier);
    return this;
  }

  has(platform: Platform): boolean {
    return this.#byPlatform.has(platform);
  }

  post(target: ChannelRef, msg: Message, opts?: PostOptions): Promise<MessageRef> {
    return this.#for(target.platform).post(target, msg, opts);
  }

  edit(ref: MessageRef, msg: Message): Promise<void> {
    return this.#for(ref.platform).edit(ref, msg);
  }

  #for(platform: Platform): Notifier {
    const n = this.#byPlatform.get(platform);
    if (!n) throw new Error(`no ${platform} front end is configured in this process`);
    return n;
  }
}
