import { dispatchAction, type ActionOutcome, type AckDeps } from "../../core/dispatch.ts";
import { sendJson, type RouteHandler } from "../../http/http-server.ts";
import type { Logger } from "../../logger.ts";
import type { ButtonSigner } from "./button-context.ts";
import type { MattermostApi } from "./mattermost-api.ts";
import { renderPost, renderText } from "./mattermost-render.ts";
import { actionRequestSchema, actorOf, channelOf, type ActionRequest } from "./mattermost-request.ts";
import { withBudget } from "./with-budget.ts";

export interface ActionRouteDeps {
  ack: AckDeps;
  api: MattermostApi;
  signer: ButtonSigner;
  actionsUrl: string;
  log: Logger;
  ackBudgetMs: number;
  stopped: () => boolean;
}

/**
 * POST /mattermost/actions: a button click, forwarded by the Mattermost server with the button's context. The
 * context must carry labops' signature for the request's channel (so the request came from the server, which alone
 * knows it); then the click goes through dispatchAction like any other front end's (owner, expiry, single use,
 * role). The answer updates the clicked post and/or tells the clicker privately.
 */
export function actionRoute(deps: ActionRouteDeps): RouteHandler {
  return async (req, res, body) => {
    if (deps.stopped()) return sendJson(res, 503, { error: "mattermost front end stopped" });
    if (!String(req.headers["content-type"] ?? "").startsWith("application/json")) return sendJson(res, 415, { error: "expected JSON" });
    let raw: unknown;
    try {
      raw = JSON.parse(body.toString("utf8"));
    } catch {
      return sendJson(res, 400, { error: "not JSON" });
    }
    const parsed = actionRequestSchema.safeParse(raw);
    if (!parsed.success) return sendJson(res, 400, { error: "not a Mattermost button click" });
    const r = parsed.data;
    const actionId = deps.signer.verify(r.channel_id, r.context);
    if (!actionId) {
      deps.log.warn({ user: r.user_id, channel: r.channel_id }, "mattermost button refused: context not signed by labops for this channel");
      return sendJson(res, 403, { error: { message: "That button is not one of labops' buttons." } });
    }
    const channel = channelOf(r);
    const dispatched = dispatchAction(deps.ack, {
      actionId, actor: actorOf(r), channel, message: { ...channel, messageId: r.post_id }, requestId: r.trigger_id ? `mm:${r.trigger_id}` : undefined,
    });
    const out = await withBudget(dispatched, deps.ackBudgetMs);
    if (out === "late") {
      deps.log.warn({ budgetMs: deps.ackBudgetMs }, "mattermost button answer over budget; delivering it by the API");
      void dispatched.then((o) => deliverLate(deps, r, o)).catch((err: unknown) => deps.log.warn({ err: String(err) }, "mattermost late button answer not delivered"));
      return sendJson(res, 200, { ephemeral_text: "labops is slow to answer; the result follows here.", skip_slack_parsing: true });
    }
    const answer: Record<string, unknown> = { skip_slack_parsing: true };
    if (out.update) answer.update = renderPost(out.update, { actionsUrl: deps.actionsUrl, context: (id) => deps.signer.context(r.channel_id, id) });
    if (out.reply?.buttons?.length) void ephemeral(deps, r, out.reply);
    else if (out.reply) answer.ephemeral_text = renderText(out.reply);
    sendJson(res, 200, answer);
  };
}

async function deliverLate(deps: ActionRouteDeps, r: ActionRequest, out: ActionOutcome): Promise<void> {
  if (out.update) await deps.api.patchPost(r.post_id, renderPost(out.update, { actionsUrl: deps.actionsUrl, context: (id) => deps.signer.context(r.channel_id, id) }));
  if (out.reply) await ephemeral(deps, r, out.reply);
}

/** A private reply with buttons (which ephemeral_text cannot carry): POST /posts/ephemeral with the bot token. */
async function ephemeral(deps: ActionRouteDeps, r: ActionRequest, msg: NonNullable<ActionOutcome["reply"]>): Promise<void> {
  await deps.api.createEphemeralPost(r.user_id, r.channel_id, renderPost(msg, { actionsUrl: deps.actionsUrl, context: (id) => deps.signer.context(r.channel_id, id) }))
    .catch((err: unknown) => deps.log.warn({ err: String(err) }, "mattermost ephemeral reply not delivered"));
}
