import type { ChannelRef, MessageRef } from "../../src/core/actor.ts";
import type { Message } from "../../src/core/message.ts";
import type { Notifier } from "../../src/core/notifier.ts";
import { RateLimitedError } from "../../src/bot/throttled-notifier.ts";

/** A platform that allows `limit` calls per `windowMs` per channel and answers 429 beyond, recording everything. */
export class StrictPlatform implements Notifier {
  calls: { at: number; kind: string; id: string; msg: Message }[] = [];
  overLimit = 0;
  #n = 0;
  injected429Left: number;
  constructor(private readonly limit: number, private readonly windowMs: number, injected429 = 0) {
    this.injected429Left = injected429;
  }
  #check(): void {
    const now = Date.now();
    if (this.injected429Left > 0) {
      this.injected429Left--;
      throw new RateLimitedError(30);
    }
    const recent = this.calls.filter((c) => now - c.at < this.windowMs).length;
    if (recent >= this.limit) {
      this.overLimit++;
      throw new RateLimitedError(this.windowMs);
    }
  }
  async post(t: ChannelRef, msg: Message): Promise<MessageRef> {
    this.#check();
    const ref = { ...t, messageId: `m${++this.#n}` };
    this.calls.push({ at: Date.now(), kind: "post", id: ref.messageId, msg });
    return ref;
  }
  async edit(ref: MessageRef, msg: Message): Promise<void> {
    this.#check();
    this.calls.push({ at: Date.now(), kind: "edit", id: ref.messageId, msg });
  }
}

