import { randomUUID } from "node:crypto";
import type { ChannelRef } from "../../core/actor.ts";
import { dispatchCommand, type AckDeps } from "../../core/dispatch.ts";
import type { Message } from "../../core/message.ts";
import { sendJson, type RouteHandler } from "../../http/http-server.ts";
import type { Logger } from "../../logger.ts";
import { sameSecret, type ButtonSigner } from "./button-context.ts";
import type { MattermostApi } from "./mattermost-api.ts";
import { renderPost, renderText } from "./mattermost-render.ts";
import { actorOf, channelOf, commandFormSchema } from "./mattermost-request.ts";
import { withBudget } from "./with-budget.ts";

export interface CommandRouteDeps {
  ack: AckDeps;
  api: MattermostApi;
  signer: ButtonSigner;
  actionsUrl: string;
  /** Each slash command's token by its trigger word. */
  tokens: Readonly<Record<string, string>>;
  log: Logger;
  ackBudgetMs: number;
  stopped: () => boolean;
}

const TOO_SLOW: Message = {
  title: "labops is slow to answer",
  state: "warning",
  ephemeral: true,
  lines: ["The queue did not answer in time; the answer follows here when it comes. Check the channel before trying again."],
};

/**
 * POST /mattermost/command: a custom slash command. The token of the command named in the request is compared in
 * constant time before anything else is read; the answer (ephemeral, or in the channel for a confirmation with
 * buttons) leaves within the budget, and an answer that comes later goes through the command's response_url.
 */
export function commandRoute(deps: CommandRouteDeps): RouteHandler {
  return async (req, res, body) => {
    if (deps.stopped()) return sendJson(res, 503, { error: "mattermost front end stopped" });
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return sendJson(res, 415, { error: "expected a form" });
    const form = new URLSearchParams(body.toString("utf8"));
    const trigger = (form.get("command") ?? "").replace(/^\//, "");
    const expected = Object.hasOwn(deps.tokens, trigger) ? deps.tokens[trigger] : undefined;
    // Compared even for an unknown trigger, so the time taken says nothing about which triggers exist.
    const tokenOk = sameSecret(expected ?? "no such command", form.get("token") ?? "") && expected !== undefined;
    if (!tokenOk) {
      deps.log.warn({ trigger: trigger.slice(0, 32) }, "mattermost command refused: wrong or missing token");
      return sendJson(res, 401, { error: "unauthorized" });
    }
    const parsed = commandFormSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return sendJson(res, 400, { error: "not a Mattermost slash command" });
    const f = parsed.data;
    const channel = channelOf(f);
    const dispatched = dispatchCommand(deps.ack, {
      root: trigger, text: f.text, actor: actorOf(f), channel, requestId: f.trigger_id ? `mm:${f.trigger_id}` : randomUUID(),
    });
    const answer = await withBudget(dispatched, deps.ackBudgetMs);
    if (answer === "late") {
      deps.log.warn({ budgetMs: deps.ackBudgetMs }, "mattermost ack budget exceeded; answering before dispatch finished");
      void dispatched.then((msg) => (f.response_url ? deps.api.respond(f.response_url, commandResponse(deps, msg, channel)) : undefined))
        .catch((err: unknown) => deps.log.warn({ err: String(err) }, "mattermost late answer not delivered"));
      return sendJson(res, 200, commandResponse(deps, TOO_SLOW, channel));
    }
    sendJson(res, 200, commandResponse(deps, answer, channel));
  };
}

/**
 * A command response: a message with buttons that is not private (a confirmation) is posted in the channel, so its
 * buttons live on a stored post; everything else is ephemeral, for the asker only.
 */
export function commandResponse(deps: Pick<CommandRouteDeps, "signer" | "actionsUrl">, msg: Message, channel: ChannelRef): Record<string, unknown> {
  const inChannel = !msg.ephemeral && (msg.buttons?.length ?? 0) > 0;
  const post = renderPost(msg, { actionsUrl: deps.actionsUrl, context: (id) => deps.signer.context(channel.channel, id) });
  return {
    response_type: inChannel ? "in_channel" : "ephemeral",
    text: post.message || renderText(msg),
    attachments: post.props.attachments,
    skip_slack_parsing: true,
  };
}
