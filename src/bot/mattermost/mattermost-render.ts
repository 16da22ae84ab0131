import { STATE_ICONS, type Message, type MessageState } from "../../core/message.ts";
import { markdownLines } from "../markdown-lines.ts";
import { STEP_ICONS, type Step } from "../../core/steps.ts";
import type { ButtonContext } from "./button-context.ts";

/** Mattermost's limits: a post's message is at most 16383 characters (server 5.0+); labops keeps well inside. */
export const LIMITS = { message: 16_000, buttonName: 60, buttons: 10, fieldTitle: 200, fieldValue: 1_000, fields: 20 } as const;

/** Attachment colour per state (the bar on the left of the attachment). */
export const STATE_COLOURS: Record<MessageState, string> = {
  success: "#2ecc71", failure: "#e74c3c", running: "#3498db", queued: "#95a5a6", waiting: "#95a5a6", warning: "#f1c40f", info: "#5865f2", canceled: "#7f8c8d",
};

/** A message attachment button: `integration` is where Mattermost POSTs a click (never shown to clients). */
export interface MattermostAction {
  id: string;
  type: "button";
  name: string;
  style: "default" | "primary" | "danger";
  integration: { url: string; context: ButtonContext };
}

export interface MattermostAttachment {
  fallback: string;
  color: string;
  fields?: { title: string; value: string; short: boolean }[];
  footer?: string;
  actions?: MattermostAction[];
}

/** A post's body as both the REST API (`message`, `props.attachments`) and command/action responses take it. */
export interface MattermostPostBody {
  message: string;
  props: { attachments: MattermostAttachment[] };
}

export interface RenderOptions {
  /** labops' /mattermost/actions URL as the Mattermost server reaches it. */
  actionsUrl: string;
  /** The signed context of a button in this post's channel. */
  context: (actionId: string) => ButtonContext;
}

/**
 * Renders a labops Message as a Mattermost post: a markdown message (title, steps, lines, link) and one attachment
 * with the fields, the footer and the buttons. No text can mention anyone: `@` is followed by a zero-width
 * joiner, so `@channel` in an app name or an error pages nobody.
 */
export function renderPost(msg: Message, opts: RenderOptions): MattermostPostBody {
  const parts = [`#### ${STATE_ICONS[msg.state]} ${inline(msg.title)}`, ...(msg.steps ?? []).map(renderStep), ...renderLines(msg.lines ?? [])];
  if (msg.link) parts.push(`🔗 [${inline(msg.link.label).replace(/[[\]]/g, "")}](${safeUrl(msg.link.url)})`);
  const message = cut(parts.join("\n"), LIMITS.message);
  const attachment: MattermostAttachment = { fallback: cut(`${STATE_ICONS[msg.state]} ${noMention(msg.title)}`, 300), color: STATE_COLOURS[msg.state] };
  const fields = (msg.fields ?? []).slice(0, LIMITS.fields).map((f) => ({
    title: cut(noMention(f.label), LIMITS.fieldTitle), value: cut(inline(f.value), LIMITS.fieldValue), short: f.value.length <= 40,
  }));
  if (fields.length) attachment.fields = fields;
  if (msg.footer) attachment.footer = cut(noMention(msg.footer), 300);
  const buttons = (msg.buttons ?? []).slice(0, LIMITS.buttons);
  if (buttons.length) {
    attachment.actions = buttons.map((b, i) => ({
      // Mattermost routes a click by this id (/posts/{post}/actions/{id}): letters and digits only.
      id: `labops${i}`,
      type: "button",
      name: cut(noMention(b.label), LIMITS.buttonName),
      style: b.style ?? "default",
      integration: { url: opts.actionsUrl, context: opts.context(b.id) },
    }));
  }
  const attachments = fields.length || msg.footer || buttons.length ? [attachment] : [];
  return { message, props: { attachments } };
}

/** The plain text of a reply that Mattermost shows as an ephemeral message (button replies, late answers). */
export function renderText(msg: Message): string {
  return renderPost({ ...msg, buttons: undefined }, { actionsUrl: "", context: () => ({ a: "", s: "" }) }).message
    + (msg.fields?.length ? `\n${msg.fields.map((f) => `**${noMention(f.label)}:** ${inline(f.value)}`).join("\n")}` : "")
    + (msg.footer ? `\n_${noMention(msg.footer)}_` : "");
}

/** One step: its icon, the label in bold, the detail; no mention either. */
function renderStep(st: Step): string {
  return `${STEP_ICONS[st.state]} **${noMention(st.label).replace(/\*/g, "")}**${st.detail ? ` — ${inline(st.detail)}` : ""}`;
}

/** Markdown-light → Mattermost markdown: `*bold*` becomes `**bold**` outside code spans; indented runs (command output) become a code block. */
function renderLines(lines: readonly string[]): string[] {
  return markdownLines(lines, { inline, block: noMention });
}

function inline(text: string): string {
  return noMention(text)
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/(^|[^*\w])\*([^*\n]+)\*(?![*\w])/g, "$1**$2**")))
    .join("");
}

/** `@name`, `@channel`, `@all`, `@here` never notify: a zero-width joiner after every `@`. */
function noMention(text: string): string {
  return text.replace(/@/g, "@\u200d");
}

function safeUrl(url: string): string {
  return /^https?:\/\/[^\s()<>]+$/.test(url) ? url : "#";
}

function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  const short = `${text.slice(0, max - 1)}…`;
  return (short.match(/```/g)?.length ?? 0) % 2 === 0 ? short : `${text.slice(0, max - 6)}…\n\`\`\``;
}
