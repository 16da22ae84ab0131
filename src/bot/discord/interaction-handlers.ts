import {
  MessageFlags,
  type AutocompleteInteraction,
  type ButtonInteraction,
  type ChatInputCommandInteraction,
  type Interaction,
  type ModalSubmitInteraction,
} from "discord.js";
import { surveyFormForArgs, surveyFormOptions, type SurveyForm } from "../../core/survey-form.ts";
import { discordSurveyModal, readDiscordModal } from "./survey-modal.ts";
import { dispatchAction, dispatchCommand, type AckDeps } from "../../core/dispatch.ts";
import type { Message } from "../../core/message.ts";
import type { Logger } from "../../logger.ts";
import { renderMessage } from "./embeds.ts";
import { actorOf, channelOf, commandInput } from "./interaction-request.ts";

/** Autocomplete sources named by a command's `complete` (e.g. `app: "apps"`), each answered from a cache. */
export interface AutocompleteSources {
  apps(): string[];
  hosts(): string[];
  nodes(): string[];
  [source: string]: (() => string[]) | undefined;
}

export interface InteractionDeps {
  ack: AckDeps;
  log: Logger;
  sources: AutocompleteSources;
}

const MAX_CHOICES = 25;

export async function handleInteraction(deps: InteractionDeps, interaction: Interaction): Promise<void> {
  if (interaction.isChatInputCommand()) return onCommand(deps, interaction);
  if (interaction.isAutocomplete()) return onAutocomplete(deps, interaction);
  if (interaction.isButton()) return onButton(deps, interaction);
  if (interaction.isModalSubmit()) return onSurveySubmit(deps, interaction);
}

/** Survey forms shown as modals, by the command interaction's id, until submitted (Discord keeps a modal 15 min). */
const FORMS = new Map<string, { form: SurveyForm; at: number }>();
const FORM_TTL_MS = 15 * 60_000;

/**
 * A /labops run of a surveyed template without every answer, with at most five questions: the survey as a
 * modal, shown as the first response (from the cached survey, within the 3 s). Otherwise undefined.
 */
async function showSurvey({ ack }: InteractionDeps, i: ChatInputCommandInteraction, input: { name: string; options: Record<string, unknown> }): Promise<boolean> {
  if (input.name !== "run") return false;
  const form = surveyFormForArgs(ack, input.options, actorOf(i), channelOf(i));
  const modal = form ? discordSurveyModal(form, i.id) : undefined;
  if (!form || !modal) return false;
  const now = Date.now();
  for (const [k, v] of FORMS) if (now - v.at > FORM_TTL_MS) FORMS.delete(k);
  FORMS.set(i.id, { form, at: now });
  await i.showModal(modal as never);
  return true;
}

/** MODAL_SUBMIT of a survey: answers checked (refused ones listed privately), then the run dispatched once. */
async function onSurveySubmit({ ack, log }: InteractionDeps, i: ModalSubmitInteraction): Promise<void> {
  const key = i.customId.startsWith("survey:") ? i.customId.slice("survey:".length) : undefined;
  const entry = key ? FORMS.get(key) : undefined;
  if (!entry) {
    await i.reply({ content: "This form has expired; run the command again.", flags: MessageFlags.Ephemeral });
    return;
  }
  const { answers, problems } = readDiscordModal(entry.form, (v) => {
    try {
      return i.fields.getTextInputValue(v);
    } catch {
      return undefined;
    }
  });
  if (problems.length) {
    await i.reply({ ...payload({ title: "Survey answers not accepted; nothing was launched", state: "failure", lines: [...problems, "Run the command again to fill in the form."] }), flags: MessageFlags.Ephemeral });
    return;
  }
  FORMS.delete(key!);
  await i.deferReply({ flags: MessageFlags.Ephemeral });
  const reply = await dispatchCommand(ack, { root: "labops", name: "run", options: surveyFormOptions(entry.form, answers), actor: actorOf(i), channel: channelOf(i), requestId: i.id });
  log.debug({ cmd: "run", user: i.user.id, jobId: reply.jobId }, "discord survey submitted");
  await i.editReply(payload(reply));
}

/** Defers at once (the 3 s budget), then parses, authorises and enqueues, and edits the deferred reply. */
async function onCommand({ ack, log }: InteractionDeps, i: ChatInputCommandInteraction): Promise<void> {
  const t0 = performance.now();
  const input = commandInput(ack.commands, i.commandName, i.options.data);
  // A confirmation is public (the channel sees what is about to happen); acknowledgements are for the asker.
  const ephemeral = !ack.commands.get(input.name)?.def.confirm;
  try {
    if (await showSurvey({ ack, log } as InteractionDeps, i, input)) return;
  } catch (err) {
    log.warn({ err: String(err), cmd: input.name }, "discord survey modal not shown; command dropped");
    return;
  }
  try {
    await i.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
  } catch (err) {
    // Too late or already answered: the person saw "interaction failed", so nothing is queued behind their back.
    log.warn({ err: String(err), cmd: input.name }, "discord defer failed; command dropped");
    return;
  }
  const deferMs = Math.round(performance.now() - t0);
  const reply = await dispatchCommand(ack, {
    root: i.commandName, name: input.name, options: input.options, actor: actorOf(i), channel: channelOf(i), requestId: i.id,
  });
  log.debug({ cmd: input.name, user: i.user.id, deferMs, jobId: reply.jobId }, "discord command acknowledged");
  if (reply.ephemeral && !ephemeral) {
    // Deferred in public, but the answer is for the asker only (e.g. a refusal): swap the public reply for a private one.
    await i.deleteReply();
    await i.followUp({ ...payload(reply), flags: MessageFlags.Ephemeral });
    return;
  }
  await i.editReply(payload(reply));
}

/** Button clicks: acknowledge without a loading state, claim the action, edit the clicked message, reply privately. */
async function onButton({ ack }: InteractionDeps, i: ButtonInteraction): Promise<void> {
  await i.deferUpdate();
  const actor = actorOf(i);
  const channel = channelOf(i);
  const out = await dispatchAction(ack, {
    actionId: i.customId, actor, channel, message: { ...channel, messageId: i.message.id }, requestId: i.id,
  });
  if (out.update) {
    const mentioned = [out.update.title, ...(out.update.lines ?? [])].some((l) => l.includes(actor.name));
    await i.editReply(payload({ ...out.update, footer: out.update.footer ?? (mentioned ? undefined : `Clicked by ${actor.name}`) }));
  }
  if (out.reply) await i.followUp({ ...payload(out.reply), flags: MessageFlags.Ephemeral });
}

/** Choices from the cache named by the command's `complete` for the focused option, matching the typed prefix first. */
async function onAutocomplete({ ack, sources }: InteractionDeps, i: AutocompleteInteraction): Promise<void> {
  const input = commandInput(ack.commands, i.commandName, i.options.data);
  const cmd = ack.commands.get(input.name);
  const focused = input.focused;
  const source = focused ? cmd?.def.complete?.[focused.arg] : undefined;
  // `commands` (for /labops help) is the registry itself; the other sources are caches refreshed in the background.
  const values = (source === "commands" ? ack.commands.all().map((c) => c.def.name) : source ? sources[source]?.() : undefined) ?? [];
  const typed = (focused?.value ?? "").toLowerCase();
  const starts = values.filter((v) => v.toLowerCase().startsWith(typed));
  const contains = typed ? values.filter((v) => !v.toLowerCase().startsWith(typed) && v.toLowerCase().includes(typed)) : [];
  const numeric = cmd?.specs.find((s) => s.name === focused?.arg)?.kind === "number";
  const choices = [...starts, ...contains].slice(0, MAX_CHOICES).map((v) => ({ name: v.slice(0, 100), value: numeric ? Number(v) : v.slice(0, 100) }));
  await i.respond(choices);
}

/** The rendered body in discord.js's option names (usable for editReply and followUp alike). */
function payload(msg: Message) {
  const body = renderMessage(msg);
  return { content: body.content, embeds: body.embeds, components: body.components, allowedMentions: { parse: [] as [] } };
}
