import type { App, BlockAction } from "@slack/bolt";
import type { WebClient } from "@slack/web-api";
import { surveyFormFor, surveyFormOptions } from "../../core/survey-form.ts";
import { readSurveyModal, surveyModal, SURVEY_CALLBACK, type SurveyModalMeta } from "./survey-modal.ts";
import type { Actor, ChannelRef, MessageRef } from "../../core/actor.ts";
import { dispatchAction, dispatchCommand, type AckDeps } from "../../core/dispatch.ts";
import type { Message } from "../../core/message.ts";
import type { Notifier } from "../../core/notifier.ts";
import type { Logger } from "../../logger.ts";
import { toSlackMessage } from "./block-kit.ts";
import type { SlackUserGroups } from "./slack-identity.ts";

export interface SlackHandlerDeps {
  ack: AckDeps;
  /** The throttled notifier: edits of clicked messages share the workspace budget with job progress. */
  notifier: Notifier;
  groups: SlackUserGroups;
  log: Logger;
  /** The acknowledgement must leave within this many ms (Slack allows 3000). */
  ackBudgetMs: number;
}

const OPENED: Message = { title: "opened", state: "info" };
const NOT_OPENED: Message = { title: "The survey form could not be opened", state: "failure", ephemeral: true, lines: ["Give every answer as --var name=value, or try again."] };

const TOO_SLOW: Message = {
  title: "labops is slow to answer",
  state: "warning",
  ephemeral: true,
  lines: ["The queue did not answer in time, so this request may or may not have been queued. Check the channel before trying again."],
};

/**
 * Slash commands (one listener for all of them) and labops buttons (`act:` action ids). Both answer
 * from the acknowledgement path only: dispatch touches Redis, never a backend, and user groups come
 * from the in-memory cache.
 */
export function registerSlackHandlers(app: App, deps: SlackHandlerDeps): void {
  // `/labops` and the shortcuts: the slash commands slack-manifest.yml declares.
  const roots = deps.ack.commands.slashCommands();
  const onCommand = () =>
    async ({ command, ack, client }: { command: { command: string; text: string; user_id: string; user_name: string; channel_id: string; trigger_id: string }; ack: (r?: object) => Promise<void>; client: WebClient }, root: string | undefined) => {
      const actor = actorOf(deps.groups, command.user_id, command.user_name);
      const channel: ChannelRef = { platform: "slack", channel: command.channel_id };
      // A /labops run of a surveyed template without every answer opens the survey as a modal, with the
      // command's trigger_id (valid 3 s), from the cached survey; the command is dispatched on submission.
      const form = surveyFormFor(deps.ack, { root: root ?? command.command.replace(/^\//, ""), text: command.text, actor, channel });
      const view = form ? surveyModal(form, command.channel_id) : undefined;
      if (view) {
        const opened = await withBudget(client.views.open({ trigger_id: command.trigger_id, view: view as never }).then(() => OPENED, (err: unknown) => {
          deps.log.warn({ err: String(err) }, "slack survey modal not opened");
          return NOT_OPENED;
        }), deps.ackBudgetMs, deps.log);
        if (opened === OPENED) return ack();
      }
      const dispatched = dispatchCommand(deps.ack, { root: root ?? command.command.replace(/^\//, ""), text: command.text, actor, channel, requestId: command.trigger_id });
      const msg = await withBudget(dispatched, deps.ackBudgetMs, deps.log);
      await ack({ response_type: "ephemeral", ...toSlackMessage(msg) });
    };
  // One listener for every slash command (Bolt runs each listener's matcher per event, so one is cheapest); a
  // command in the manifest that this build does not know still gets a prompt, helpful answer.
  const known = new Set(roots.map((r) => `/${r}`));
  const handler = onCommand();
  app.command(/^\//, (args) => handler(args, known.has(args.command.command) ? args.command.command.slice(1) : undefined));

  app.action<BlockAction>({ type: "block_actions", action_id: /^act:/ }, async ({ ack, body, action, respond }) => {
    await ack();
    const actionId = "action_id" in action ? action.action_id : "";
    const actor = actorOf(deps.groups, body.user.id, body.user.username ?? body.user.name ?? body.user.id);
    const channelId = body.channel?.id ?? body.container?.channel_id ?? "";
    const channel: ChannelRef = { platform: "slack", channel: channelId };
    const ts: string | undefined = body.container?.message_ts ?? body.message?.ts;
    // Ephemeral messages have no ts chat.update could use; they are replaced through response_url.
    const message: MessageRef | undefined = !body.container?.is_ephemeral && ts ? { ...channel, messageId: ts } : undefined;
    const outcome = await dispatchAction(deps.ack, { actionId, actor, channel, message, requestId: body.trigger_id });
    const jobs: Promise<unknown>[] = [];
    if (outcome.reply) jobs.push(respond({ response_type: "ephemeral", replace_original: false, ...toSlackMessage(outcome.reply) }));
    if (outcome.update) {
      jobs.push(message ? deps.notifier.edit(message, outcome.update) : respond({ replace_original: true, ...toSlackMessage(outcome.update) }));
    }
    for (const r of await Promise.allSettled(jobs)) {
      if (r.status === "rejected") deps.log.warn({ err: String(r.reason), actionId: actionId.slice(0, 8) }, "slack button answer not delivered");
    }
  });
}

/**
 * A submitted survey modal: each answer checked against the cached survey (errors shown under their inputs,
 * the modal kept open), then the run dispatched as if typed with every answer; its acknowledgement is posted
 * to the person in the channel the command came from. The view id makes a redelivery "already received".
 */
export function registerSurveySubmissions(app: App, deps: SlackHandlerDeps): void {
  app.view(SURVEY_CALLBACK, async ({ ack, body, view, client }) => {
    let meta: SurveyModalMeta;
    try {
      meta = JSON.parse(view.private_metadata) as SurveyModalMeta;
    } catch {
      await ack();
      return;
    }
    const survey = deps.ack.surveys?.get(meta.template);
    const firstBlock = view.blocks.find((b) => b.type === "input")?.block_id ?? "";
    if (!survey) {
      await ack({ response_action: "errors", errors: { [firstBlock]: "labops no longer has this template's survey; run the command again." } });
      return;
    }
    const { answers, errors } = readSurveyModal(survey, view.state.values as never);
    if (Object.keys(errors).length) {
      await ack({ response_action: "errors", errors });
      return;
    }
    const actor = actorOf(deps.groups, body.user.id, body.user.name || body.user.id);
    const channel: ChannelRef = { platform: "slack", channel: meta.channel };
    const form = { template: meta.template, survey, ask: [], given: meta.given, host: meta.host };
    const msg = await withBudget(dispatchCommand(deps.ack, { root: "labops", name: "run", options: surveyFormOptions(form, answers), actor, channel, requestId: `slack-view:${view.id}` }), deps.ackBudgetMs, deps.log);
    if (msg.state === "failure" && firstBlock) {
      await ack({ response_action: "errors", errors: { [firstBlock]: [msg.title, ...(msg.lines ?? [])].join(" ").slice(0, 300) } });
      return;
    }
    await ack();
    await client.chat.postEphemeral({ channel: meta.channel, user: body.user.id, ...toSlackMessage(msg) } as never)
      .catch((err: unknown) => deps.log.warn({ err: String(err) }, "slack survey acknowledgement not delivered"));
  });
}

function actorOf(groups: SlackUserGroups, id: string, name: string): Actor {
  return { platform: "slack", id, name, groups: groups.groupsOf(id) };
}

async function withBudget(p: Promise<Message>, ms: number, log: Logger): Promise<Message> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<Message>((resolve) => {
    timer = setTimeout(() => {
      log.warn({ budgetMs: ms }, "slack ack budget exceeded; answering before dispatch finished");
      resolve(TOO_SLOW);
    }, ms);
  });
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}
