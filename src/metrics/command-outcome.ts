import type { Message } from "../core/message.ts";
import type { CommandOutcome } from "./metrics.ts";

/**
 * Classifies the Message `dispatchCommand` answered with, for `metrics.commandHandled(name, outcome)` in a
 * front end's ack path. It reads the stable shapes dispatch.ts produces: its error titles (`…: not allowed`,
 * `…: cannot do that`, `…: failed`), the duplicate note, a confirmation's buttons and the queued jobId.
 */
export function commandOutcomeOf(reply: Message): CommandOutcome {
  const lines = reply.lines ?? [];
  if (reply.state === "failure") {
    if (reply.title.endsWith(": not allowed")) return "refused";
    if (reply.title.endsWith(": failed")) return "error";
    // The queue being down is labops' problem, not the person's input.
    if (lines.some((l) => l.includes("queue is unavailable"))) return "error";
    return "bad_input";
  }
  if (reply.state === "warning" && (reply.buttons?.length ?? 0) > 0) return "confirm";
  if (reply.jobId) return lines.some((l) => l.includes("already received")) ? "duplicate" : "queued";
  return "answered";
}
