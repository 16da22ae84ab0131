import type { types } from "@slack/bolt";
import { renderText, STATE_ICONS, type Button, type Message } from "../../core/message.ts";
import { stepText } from "../../core/steps.ts";

type KnownBlock = types.KnownBlock;
type SlackButton = types.Button;

/** Block Kit limits (https://docs.slack.dev/reference/block-kit/blocks). */
export const LIMITS = {
  blocks: 50,
  headerText: 150,
  sectionText: 3000,
  fieldsPerSection: 10,
  fieldText: 2000,
  contextText: 3000,
  buttonText: 75,
  actionId: 255,
  actionsElements: 25,
  /** Notification fallback `text`: Slack truncates far above this; keep it readable in notifications. */
  fallbackText: 3000,
} as const;

/** A Message as Slack wants it: Block Kit plus the plain fallback text used in notifications. */
export interface SlackMessage {
  text: string;
  blocks: KnownBlock[];
}

export function toSlackMessage(msg: Message): SlackMessage {
  return { text: truncate(renderText(msg), LIMITS.fallbackText), blocks: renderBlocks(msg) };
}

/**
 * Renders a Message as Block Kit: a header with the state emoji, the steps and lines as mrkdwn sections (split at
 * 3000 characters), fields (10 per section), the link, a context footer and an actions block. Never more
 * than 50 blocks: surplus lines are cut with a "more lines" note, buttons and footer always survive.
 */
export function renderBlocks(msg: Message): KnownBlock[] {
  const head: KnownBlock[] = [{ type: "header", text: { type: "plain_text", text: truncate(`${STATE_ICONS[msg.state]} ${msg.title}`, LIMITS.headerText), emoji: true } }];
  const tail: KnownBlock[] = [];
  if (msg.link) tail.push({ type: "section", text: { type: "mrkdwn", text: `<${safeUrl(msg.link.url)}|${linkLabel(msg.link.label)}>` } });
  if (msg.footer) tail.push({ type: "context", elements: [{ type: "mrkdwn", text: truncate(mrkdwn(msg.footer), LIMITS.contextText) }] });
  const buttons = (msg.buttons ?? []).slice(0, LIMITS.actionsElements);
  if (buttons.length) tail.push({ type: "actions", block_id: "labops-actions", elements: buttons.map(renderButton) });

  const fields = fieldSections(msg.fields ?? []);
  // Steps first, one line each, then the lines: both as mrkdwn sections.
  const lines = lineSections([...(msg.steps ?? []).map(stepText), ...(msg.lines ?? [])]);
  const budget = LIMITS.blocks - head.length - tail.length;
  const body = [...lines, ...fields];
  if (body.length <= budget) return [...head, ...body, ...tail];
  // Too long: keep the fields (they are the summary), cut the lines and say so.
  const keepFields = fields.slice(0, Math.max(0, budget - 1));
  const keepLines = lines.slice(0, Math.max(0, budget - 1 - keepFields.length));
  const note: KnownBlock = { type: "context", elements: [{ type: "mrkdwn", text: `_… output shortened to fit Slack (${body.length - keepLines.length - keepFields.length} more blocks)._` }] };
  return [...head, ...keepLines, note, ...keepFields, ...tail];
}

function renderButton(b: Button): SlackButton {
  const button: SlackButton = {
    type: "button",
    action_id: b.id.slice(0, LIMITS.actionId),
    value: b.id.slice(0, 2000),
    text: { type: "plain_text", text: truncate(b.label, LIMITS.buttonText), emoji: true },
  };
  if (b.style) button.style = b.style;
  if (b.style === "danger") {
    // Slack's client shows the dialog; the app only hears about the click once it is confirmed.
    button.confirm = {
      title: { type: "plain_text", text: "Are you sure?" },
      text: { type: "plain_text", text: truncate(`${b.label}: this cannot be undone from chat.`, 300) },
      confirm: { type: "plain_text", text: truncate(b.label, 30) },
      deny: { type: "plain_text", text: "Back" },
      style: "danger",
    };
  }
  return button;
}

/** Lines joined into as few sections as fit 3000 characters each; a single over-long line is cut. */
function lineSections(lines: string[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  let cur = "";
  const flush = () => {
    if (cur) out.push({ type: "section", text: { type: "mrkdwn", text: cur } });
    cur = "";
  };
  for (const raw of lines) {
    const line = truncate(mrkdwn(raw), LIMITS.sectionText);
    if (cur && cur.length + 1 + line.length > LIMITS.sectionText) flush();
    cur = cur ? `${cur}\n${line}` : line;
  }
  flush();
  return out;
}

function fieldSections(fields: { label: string; value: string }[]): KnownBlock[] {
  const out: KnownBlock[] = [];
  for (let i = 0; i < fields.length; i += LIMITS.fieldsPerSection) {
    out.push({
      type: "section",
      fields: fields.slice(i, i + LIMITS.fieldsPerSection).map((f) => ({ type: "mrkdwn" as const, text: truncate(`*${escape(f.label)}*\n${mrkdwn(f.value)}`, LIMITS.fieldText) })),
    });
  }
  return out;
}

/** Slack mrkdwn: `code` and *bold* read the same; only &, < and > must be escaped. */
export function mrkdwn(text: string): string {
  return escape(text);
}

export function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function linkLabel(label: string): string {
  return escape(label.replace(/[|]/g, "/"));
}

function safeUrl(url: string): string {
  return url.replace(/[<>|\s]/g, encodeURIComponent);
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, max - 1);
  if (/[\uD800-\uDBFF]$/.test(cut)) cut = cut.slice(0, -1); // never split a surrogate pair
  return `${cut}…`;
}
