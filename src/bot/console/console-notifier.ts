import type { Writable } from "node:stream";
import type { ChannelRef, MessageRef } from "../../core/actor.ts";
import { isFinalState, renderText, STATE_ICONS, type Button, type Message } from "../../core/message.ts";
import type { Notifier } from "../../core/notifier.ts";
import { stepText } from "../../core/steps.ts";

/**
 * The terminal "channel": each message gets an id (`m3`); edits print the new state on one line,
 * final states print in full. Buttons get short ids (`b2`) to click with `/click b2` or `/click Confirm`.
 */
export class ConsoleNotifier implements Notifier {
  #nextMessage = 1;
  #nextButton = 1;
  readonly #buttons = new Map<string, { button: Button; messageId: string }>();
  readonly #messages = new Map<string, Message>();

  constructor(private readonly out: Writable) {}

  async post(target: ChannelRef, msg: Message): Promise<MessageRef> {
    const messageId = `m${this.#nextMessage++}`;
    this.#messages.set(messageId, msg);
    this.print(msg, messageId);
    return { ...target, messageId };
  }

  async edit(ref: MessageRef, msg: Message): Promise<void> {
    this.#messages.set(ref.messageId, msg);
    if (isFinalState(msg.state) || msg.buttons?.length) this.print(msg, ref.messageId);
    else this.out.write(`[${ref.messageId}] ${STATE_ICONS[msg.state]} ${msg.title} | ${[...(msg.steps ?? []).map(stepText), ...(msg.lines ?? [])].join(" | ")}\n`);
  }

  /** Prints a message in full, with its buttons. `messageId` is absent for ephemeral replies. */
  print(msg: Message, messageId?: string): void {
    const head = messageId ? `[${messageId}] ` : "";
    const lines = renderText(msg).split("\n");
    this.out.write(`${head}${lines.join(`\n${" ".repeat(head.length)}`)}\n`);
    if (msg.buttons?.length) {
      const labels = msg.buttons.map((b) => {
        const short = `b${this.#nextButton++}`;
        this.#buttons.set(short, { button: b, messageId: messageId ?? "" });
        return `[${b.label}] (/click ${short})`;
      });
      this.out.write(`${" ".repeat(head.length)}  ${labels.join("  ")}\n`);
    }
  }

  /** Finds a button by short id, by full action id, or by label (the newest with that label). */
  findButton(idOrLabel: string): { button: Button; messageId: string } | undefined {
    const direct = this.#buttons.get(idOrLabel);
    if (direct) return direct;
    const all = [...this.#buttons.values()].reverse();
    return all.find((b) => b.button.id === idOrLabel) ?? all.find((b) => b.button.label.toLowerCase() === idOrLabel.toLowerCase());
  }

  /** How many buttons have been printed so far (piped input moves on when a job shows new ones). */
  get buttonsShown(): number {
    return this.#nextButton - 1;
  }

  message(messageId: string): Message | undefined {
    return this.#messages.get(messageId);
  }
}
