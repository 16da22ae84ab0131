import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { createInterface, type Interface } from "node:readline";
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
  /**
   * A terminal: readline with a prompt, line editing and history; `attach` gets the interface (so output
   * printed meanwhile can redraw the prompt). Ctrl-C ends the session without waiting for running jobs.
   */
  terminal?: { output: NodeJS.WritableStream; prompt?: string | undefined; historySize?: number | undefined; attach?: ((rl: Interface) => void) | undefined } | undefined;
  /** Ends the session early (a signal): input stops, running jobs are not waited for. */
  signal?: AbortSignal | undefined;
}

export interface ConsoleRunSummary {
  commands: number;
  failures: number;
  /** Ended by Ctrl-C or the signal, not by the end of input. */
  interrupted: boolean;
}

/**
 * The terminal front end: slash commands from a stream, `/click <id|label>` for buttons. It only parses,
 * authorises, enqueues and acknowledges, like the chat front ends. Resolves when input ends and every
 * job it queued has finished.
 */
export async function runConsoleBot(opts: ConsoleBotOptions): Promise<ConsoleRunSummary> {
  const actor: Actor = opts.actor ?? { platform: "terminal", id: userInfo().username, name: userInfo().username, groups: [] };
  const channel: ChannelRef = { platform: "terminal", channel: "terminal" };
  const summary: ConsoleRunSummary = { commands: 0, failures: 0, interrupted: false };
  const pending: Promise<void>[] = [];
  const t = opts.terminal;
  const rl = t
    ? createInterface({ input: opts.input, output: t.output, terminal: true, prompt: t.prompt ?? "labops> ", historySize: t.historySize ?? 500, removeHistoryDuplicates: true })
    : createInterface({ input: opts.input, terminal: false });
  let stop = () => {};
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  const interrupt = () => {
    summary.interrupted = true;
    stop();
    rl.close();
  };
  // In a terminal, readline turns Ctrl-C into this event (no process signal): end the session like Ctrl-D, at once.
  rl.on("SIGINT", interrupt);
  if (opts.signal?.aborted) interrupt();
  opts.signal?.addEventListener("abort", interrupt, { once: true });
  t?.attach?.(rl);
  if (t) rl.prompt();

  const follow = async (ack: Message) => {
    if (ack.state === "failure") summary.failures++;
    for (const jobId of ack.jobIds ?? (ack.jobId ? [ack.jobId] : [])) {
      const outcome = await waitForJob(opts.queue, jobId, opts.pollMs ?? 100);
      if (outcome !== "success") summary.failures++;
    }
  };

  for await (const raw of rl) {
    if (summary.interrupted) break;
    const line = raw.trim();
    if (!line || line.startsWith("#")) {
      if (t) rl.prompt();
      continue;
    }
    if (!line.startsWith("/")) {
      opts.notifier.print({ title: "Commands start with /", state: "info", lines: ["Try /labops help, /deploy traefik, or /click <button>."] });
      if (t) rl.prompt();
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
    const shown = opts.notifier.buttonsShown;
    const done = ack ? follow(ack) : Promise.resolve();
    pending.push(done);
    // Piped: the next line runs once this job has ended, or once it waits on a button it showed (an approval).
    if (opts.sequential) {
      const watch = { stop: false };
      await Promise.race([done, stopped, buttonsAfter(opts.notifier, shown, opts.pollMs ?? 100, watch)]);
      watch.stop = true;
    }
    if (t) rl.prompt();
  }
  opts.signal?.removeEventListener("abort", interrupt);
  if (!summary.interrupted) await Promise.all(pending);
  return summary;
}

async function buttonsAfter(notifier: ConsoleNotifier, shown: number, pollMs: number, watch: { stop: boolean }): Promise<void> {
  while (!watch.stop && notifier.buttonsShown === shown) await new Promise((r) => setTimeout(r, pollMs));
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
