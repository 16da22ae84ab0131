import {
  ButtonStyle,
  ComponentType,
  type APIActionRowComponent,
  type APIButtonComponent,
  type APIComponentInMessageActionRow,
  type APIEmbed,
} from "discord-api-types/v10";
import { markdownLines } from "../markdown-lines.ts";
import { STATE_ICONS, type Button, type Message, type MessageState } from "../../core/message.ts";
import { STEP_ICONS } from "../../core/steps.ts";

/** Embed colour per state: success green, failure red, running blue, queued/waiting grey, warning amber. */
export const STATE_COLOURS: Record<MessageState, number> = {
  success: 0x2ecc71,
  failure: 0xe74c3c,
  running: 0x3498db,
  queued: 0x95a5a6,
  waiting: 0x95a5a6,
  warning: 0xf1c40f,
  info: 0x5865f2,
  canceled: 0x7f8c8d,
};

/** Discord's documented limits (https://discord.com/developers/docs/resources/message#embed-object-embed-limits). */
export const LIMITS = {
  title: 256, description: 4096, fields: 25, fieldName: 256, fieldValue: 1024, footer: 2048, embedTotal: 6000,
  buttonsPerRow: 5, rows: 5, buttonLabel: 80, customId: 100,
} as const;

/** The JSON body of a message: one embed, buttons as action rows. No mentions are ever parsed. */
export interface DiscordMessageBody {
  content: string;
  embeds: APIEmbed[];
  components: APIActionRowComponent<APIComponentInMessageActionRow>[];
  allowed_mentions: { parse: [] };
}

/** Renders a labops Message as a Discord message body (the same body serves channel posts, edits and interaction replies). */
export function renderMessage(msg: Message): DiscordMessageBody {
  return { content: "", embeds: [renderEmbed(msg)], components: renderButtons(msg.buttons ?? []), allowed_mentions: { parse: [] } };
}

export function renderEmbed(msg: Message): APIEmbed {
  const embed: APIEmbed = { title: cut(`${STATE_ICONS[msg.state]} ${msg.title}`, LIMITS.title), color: STATE_COLOURS[msg.state] };
  let budget = LIMITS.embedTotal - embed.title!.length;
  // Steps first (the label in bold), then the lines.
  const lines = [...(msg.steps ?? []).map((st) => `${STEP_ICONS[st.state]} **${st.label.replace(/\*/g, "")}**${st.detail ? ` — ${st.detail}` : ""}`), ...renderLines(msg.lines ?? [])];
  if (msg.link) lines.push(`🔗 [${msg.link.label.replace(/[[\]]/g, "")}](${msg.link.url})`);
  if (lines.length) {
    embed.description = cutMarkdown(lines.join("\n"), Math.min(LIMITS.description, budget - 200));
    budget -= embed.description.length;
  }
  if (msg.link && /^https?:\/\//.test(msg.link.url)) embed.url = msg.link.url;
  const fields = (msg.fields ?? []).slice(0, LIMITS.fields).map((f) => ({
    name: cut(f.label || "\u200b", LIMITS.fieldName),
    value: cut(f.value || "\u200b", LIMITS.fieldValue),
    inline: f.value.length <= 40,
  }));
  const kept: typeof fields = [];
  for (const f of fields) {
    const size = f.name.length + f.value.length;
    if (size > budget - 100) break;
    budget -= size;
    kept.push(f);
  }
  if (kept.length) embed.fields = kept;
  if (msg.footer) embed.footer = { text: cut(msg.footer, Math.min(LIMITS.footer, Math.max(1, budget))) };
  return embed;
}

/** Buttons in rows of five (at most five rows); labels and ids kept within Discord's limits. */
export function renderButtons(buttons: readonly Button[]): APIActionRowComponent<APIComponentInMessageActionRow>[] {
  const rows: APIActionRowComponent<APIComponentInMessageActionRow>[] = [];
  const usable = buttons.filter((b) => b.id.length <= LIMITS.customId).slice(0, LIMITS.buttonsPerRow * LIMITS.rows);
  for (let i = 0; i < usable.length; i += LIMITS.buttonsPerRow) {
    const components: APIButtonComponent[] = usable.slice(i, i + LIMITS.buttonsPerRow).map((b) => ({
      type: ComponentType.Button,
      custom_id: b.id,
      label: cut(b.label, LIMITS.buttonLabel),
      style: b.style === "danger" ? ButtonStyle.Danger : b.style === "primary" ? ButtonStyle.Primary : ButtonStyle.Secondary,
    }));
    rows.push({ type: ComponentType.ActionRow, components });
  }
  return rows;
}

/**
 * Markdown-light → Discord markdown: Slack-style `*bold*` becomes `**bold**` outside code spans, and runs
 * of indented lines (command output) become a code block.
 */
export function renderLines(lines: readonly string[]): string[] {
  return markdownLines(lines, { inline: boldify });
}

function boldify(line: string): string {
  return line
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith("`") ? part : part.replace(/(^|[^*\w])\*([^*\n]+)\*(?![*\w])/g, "$1**$2**")))
    .join("");
}

/** Cuts like cut() and closes a code block the cut left open. */
function cutMarkdown(text: string, max: number): string {
  const short = cut(text, max);
  if (short === text || (short.match(/```/g)?.length ?? 0) % 2 === 0) return short;
  return `${cut(text, max - 4)}\n\`\`\``;
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, Math.max(0, max - 1))}…`;
}
