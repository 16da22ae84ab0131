import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { Queue } from "bullmq";
import type { Actor, ChannelRef } from "../../core/actor.ts";
import { dispatchAction, dispatchCommand, type AckDeps } from "../../core/dispatch.ts";
import type { Message } from "../../core/message.ts";
import type { ConsoleNotifier } from "./console-notifier.ts";

export interface ConsoleBotOptions {
  deps: AckDeps;
  notifier: ConsoleNotifier;
  /** Used to follow the jobs this terminal queued (piped input runs each line after the previous job ends). */
  queue: Queue;
  input: Readable;
  actor?: Actor | undefined;
  /** Interactive: run each line at once. Piped: one after another. */
  sequential: boolean;
  pollMs?: number | undefined;
}

export interface ConsoleRunSummary {
  commands: number;
  failures: number;
}

/**
 * The terminal front end: slash commands from a stream, `/click <id|label>` for buttons. It only parses,
 * authorises, enqueues and acknowledges, like the chat front ends. Resolves when input ends and every
 * job it queued has finished.
 */
export async function runConsoleBot(opts: ConsoleBotOptions): Promise<ConsoleRunSummary> {
  const actor: Actor = opts.actor ?? { platform: "terminal", id: userInfo().username, name: userInfo().username, groups: [] };
  const channel: ChannelRef = { platform: "terminal", channel: "terminal" };
  const summary: ConsoleRunSummary = { commands: 0, failures: 0 };
  const pending: Promise<void>[] = [];
  const rl = createInterface({ input: opts.input, terminal: false });

  const follow = async (ack: Message) => {
    if (ack.state === "failure") summary.failures++;
    for (const jobId of ack.jobIds ?? (ack.jobId ? [ack.jobId] : [])) {
      const outcome = await waitForJob(opts.queue, jobId, opts.pollMs ?? 100);
      if (outcome !== "success") summary.failures++;
    }
  };

  for await (const raw of rl) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    if (!line.startsWith("/")) {
      opts.notifier.print({ title: "Commands start with /", state: "info", lines: ["Try /labops help, /deploy traefik, or /click <button>."] });
      continue;
    }
    summary.commands++;
    const [head = "", ...rest] = line.slice(1).split(/\s+/);
    const text = rest.join(" ");
    const requestId = `terminal:${randomUUID()}`;
    let ack: Message | undefined;
    if (head === "click") {
      const found = opts.notifier.findButton(text.trim());
      if (!found) {
        ack = { title: "No such button", state: "failure", lines: [`No button \`${text.trim()}\` is on screen.`], ephemeral: true };
      } else {
        const res = await dispatchAction(opts.deps, { actionId: found.button.id, actor, channel, message: found.messageId ? { ...channel, messageId: found.messageId } : undefined, requestId });
        if (res.update && found.messageId) await opts.notifier.edit({ ...channel, messageId: found.messageId }, res.update);
        ack = res.reply;
      }
    } else {
      ack = await dispatchCommand(opts.deps, { root: head, text, actor, channel, requestId });
    }
    if (ack) opts.notifier.print(ack);
    const done = ack ? follow(ack) : Promise.resolve();
    if (opts.sequential) await done;
    else pending.push(done);
  }
  await Promise.all(pending);
  return summary;
}

/** Polls a job until it completes or fails for good; returns the processor's outcome. */
export async function waitForJob(queue: Queue, jobId: string, pollMs: number): Promise<string> {
  for (;;) {
    const job = await queue.getJob(jobId);
    if (!job) return "missing";
    const state = await job.getState();
    if (state === "completed") return (job.returnvalue as { outcome?: string } | undefined)?.outcome ?? "success";
    if (state === "failed") return "failure";
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
