import { randomUUID } from "node:crypto";
import { userInfo } from "node:os";
import { createInterface, type Interface } from "node:readline";
import type { Readable } from "node:stream";
import type { Queue } from "bullmq";
import type { Actor, ChannelRef } from "../../core/actor.ts";
import { dispatchAction, dispatchCommand, type AckDeps } from "../../core/dispatch.ts";
import type { Message } from "../../core/message.ts";
import { surveyFormFor, surveyFormOptions, type SurveyForm } from "../../core/survey-form.ts";
import { checkAnswer, questionHint, questionLabel, ENCRYPTED, type SurveyQuestion } from "../../core/survey.ts";
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

  const lines = rl[Symbol.asyncIterator]();
  const nextLine = async (): Promise<string | undefined> => {
    const r = await lines.next();
    return r.done ? undefined : String(r.value);
  };
  for (;;) {
    const raw = await nextLine();
    if (raw === undefined || summary.interrupted) break;
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
      // A /labops run of a surveyed template without every answer: the survey is asked question by question.
      const form = surveyFormFor(opts.deps, { root: head, text, actor, channel });
      if (form) {
        const answers = await askSurvey(form, { rl, nextLine, print: (m) => opts.notifier.print(m), terminal: Boolean(t) });
        ack = answers
          ? await dispatchCommand(opts.deps, { root: head, name: "run", options: surveyFormOptions(form, answers), actor, channel, requestId })
          : { title: "Survey not finished", state: "failure", lines: ["Nothing was launched."], ephemeral: true };
      } else {
        ack = await dispatchCommand(opts.deps, { root: head, text, actor, channel, requestId });
      }
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

interface AskIo {
  rl: Interface;
  nextLine: () => Promise<string | undefined>;
  print: (m: Message) => void;
  /** A terminal: secret answers are not echoed and stay out of the history. */
  terminal: boolean;
}

/**
 * Asks each question of the form in turn: its name, what it takes and its default; an empty line takes the
 * default (or skips an optional question); an answer that does not pass is refused with the reason and asked
 * again. Undefined when input ends first. Answers are checked again when the command is dispatched.
 */
async function askSurvey(form: SurveyForm, io: AskIo): Promise<Record<string, string> | undefined> {
  io.print({ title: `${form.template} asks a survey${form.survey.name ? `: ${form.survey.name}` : ""}`, state: "info",
    lines: [...(form.survey.description ? [form.survey.description] : []), "Answer each question; an empty line takes the default shown."] });
  const answers: Record<string, string> = {};
  for (const q of form.ask) {
    for (;;) {
      io.print({ title: `${questionLabel(q)}?`, state: "info", lines: [`${questionHint(q)}${q.required ? "" : " (optional)"}${shownDefault(q)}`] });
      const line = await readAnswer(io, q.type === "password");
      if (line === undefined) return undefined;
      const v = line.trim();
      if (v === "") {
        if (hasDefault(q) || !q.required) break;
        io.print({ title: "An answer is needed", state: "failure", lines: [`${questionLabel(q)} has no default.`] });
        continue;
      }
      const checked = checkAnswer(q, v);
      if ("problem" in checked) {
        io.print({ title: "Not accepted", state: "failure", lines: [checked.problem] });
        continue;
      }
      answers[q.variable] = v;
      break;
    }
  }
  return answers;
}

function hasDefault(q: SurveyQuestion): boolean {
  if (q.type === "password") return q.default === ENCRYPTED;
  return q.default !== undefined && q.default !== null && q.default !== "" && !("problem" in checkAnswer(q, q.default as string));
}

function shownDefault(q: SurveyQuestion): string {
  if (!hasDefault(q)) return "";
  return q.type === "password" ? " [default: the one kept in AAP]" : ` [default: ${Array.isArray(q.default) ? q.default.join(",") : String(q.default)}]`;
}

/** One line of input; for a secret on a terminal, without echo and left out of the history. */
async function readAnswer(io: AskIo, secret: boolean): Promise<string | undefined> {
  if (!secret || !io.terminal) return io.nextLine();
  const rl = io.rl as unknown as { _writeToOutput?: ((s: string) => void) | undefined; history?: string[] };
  const write = rl._writeToOutput;
  rl._writeToOutput = (s: string) => {
    if (s.includes("\n") && write) write.call(io.rl, "\n");
  };
  try {
    const line = await io.nextLine();
    if (line !== undefined && rl.history?.[0] === line) rl.history.shift();
    return line;
  } finally {
    rl._writeToOutput = write;
  }
}
