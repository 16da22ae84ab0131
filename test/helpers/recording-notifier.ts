import type { ChannelRef, MessageRef } from "../../src/core/actor.ts";
import { isFinalState, type Message } from "../../src/core/message.ts";
import type { Notifier } from "../../src/core/notifier.ts";

export interface Recorded {
  ref: MessageRef;
  history: Message[];
}

/** A Notifier that keeps every message and each of its states, for assertions. */
export class RecordingNotifier implements Notifier {
  readonly messages = new Map<string, Recorded>();
  #next = 1;
  posts = 0;
  edits = 0;
  /** Every call in order, with its time: ordering and latency assertions. */
  readonly calls: { t: number; kind: "post" | "edit"; messageId: string; msg: Message }[] = [];

  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    this.posts++;
    const ref = { ...target, messageId: `r${this.#next++}` };
    this.messages.set(ref.messageId, { ref, history: [msg] });
    this.calls.push({ t: Date.now(), kind: "post", messageId: ref.messageId, msg });
    return ref;
  }

  async edit(ref: MessageRef, msg: Message): Promise<void> {
    this.edits++;
    const rec = this.messages.get(ref.messageId);
    if (!rec) throw new Error(`edit of unknown message ${ref.messageId}`);
    rec.history.push(msg);
    this.calls.push({ t: Date.now(), kind: "edit", messageId: ref.messageId, msg });
  }

  /** Edits that left a message exactly as it was (the same content sent again). */
  identicalEdits(): number {
    let n = 0;
    for (const m of this.messages.values()) {
      for (let i = 1; i < m.history.length; i++) if (JSON.stringify(m.history[i]) === JSON.stringify(m.history[i - 1])) n++;
    }
    return n;
  }

  latest(messageId: string): Message | undefined {
    return this.messages.get(messageId)?.history.at(-1);
  }

  /** The progress message of a job: its first state names it as "Job `<id>`". */
  forJob(jobId: string): Recorded | undefined {
    return [...this.messages.values()].find((m) => isFor(m, jobId));
  }

  async waitFor(pred: (m: Recorded) => boolean, timeoutMs = 20_000): Promise<Recorded> {
    const t0 = Date.now();
    for (;;) {
      const hit = [...this.messages.values()].find(pred);
      if (hit) return hit;
      if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting for a message");
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Waits until the job's progress message reaches a final state. */
  async final(jobId: string, timeoutMs = 20_000): Promise<Message> {
    const rec = await this.waitFor((m) => isFor(m, jobId) && isFinalState(m.history.at(-1)!.state), timeoutMs);
    return rec.history.at(-1)!;
  }
}

function isFor(m: Recorded, jobId: string): boolean {
  return (m.history[0]?.lines ?? []).some((l) => l.includes(`Job \`${jobId}\``));
}
