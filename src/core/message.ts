import { stepText, type Step } from "./steps.ts";

/**
 * A reply is data. Front ends render it: Block Kit on Slack, an embed on Discord, lines in the terminal.
 * The outbound port stays narrow: post, edit.
 */
export type MessageState = "info" | "queued" | "waiting" | "running" | "success" | "failure" | "warning" | "canceled";

export interface Button {
  /** Opaque action id, routed back to labops on click (e.g. `confirm:<token>`). At most 100 characters. */
  id: string;
  label: string;
  style?: "primary" | "danger" | undefined;
}

export interface Message {
  title: string;
  state: MessageState;
  /** A multi-step job's steps, drawn before the lines (see steps.ts). */
  steps?: Step[] | undefined;
  /** Lines of text (markdown-light: `code` and *bold* are rendered where the platform can). */
  lines?: string[] | undefined;
  fields?: { label: string; value: string }[] | undefined;
  link?: { label: string; url: string } | undefined;
  buttons?: Button[] | undefined;
  /** Visible only to the person who asked (Slack ephemeral, Discord ephemeral, terminal: same). */
  ephemeral?: boolean | undefined;
  footer?: string | undefined;
  /** Not rendered: the job this acknowledgement queued, so a front end can follow it. */
  jobId?: string | undefined;
  /** Not rendered: every job, when the acknowledgement queued several (`/deploy a b`); `jobId` is the first. */
  jobIds?: string[] | undefined;
}

/** A terminal state: the message will not be edited again by its job. */
export function isFinalState(state: MessageState): boolean {
  return state === "success" || state === "failure" || state === "canceled";
}

export const STATE_ICONS: Record<MessageState, string> = {
  info: "ℹ️",
  queued: "⏳",
  waiting: "⏸️",
  running: "🔄",
  success: "✅",
  failure: "❌",
  warning: "⚠️",
  canceled: "🚫",
};

/** Plain-text rendering shared by the terminal and by every platform's notification fallback text. */
export function renderText(msg: Message): string {
  const out = [`${STATE_ICONS[msg.state]} ${msg.title}`];
  for (const step of msg.steps ?? []) out.push(`  ${stepText(step)}`);
  for (const line of msg.lines ?? []) out.push(`  ${line}`);
  for (const f of msg.fields ?? []) out.push(`  ${f.label}: ${f.value}`);
  if (msg.link) out.push(`  ${msg.link.label}: ${msg.link.url}`);
  if (msg.footer) out.push(`  ${msg.footer}`);
  return out.join("\n");
}

export function errorMessage(title: string, text: string): Message {
  return { title, state: "failure", lines: [text], ephemeral: true };
}
