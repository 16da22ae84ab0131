import { randomBytes } from "node:crypto";
import { SLACK_BUILT_IN_COMMANDS, type AckRecord, type ResponseUrl } from "./options.ts";
import type { SlackState } from "./state.ts";
import { findButton } from "./blocks.ts";
import { deliverHttp, deliverSocket } from "./socket.ts";
import { newResponseUrl, slackUser, storeEphemeral, storeMessage } from "./store.ts";
import { issueTrigger } from "./views.ts";

/** What a person does in Slack: a slash command and a button click (see FakeSlack.slash and .click). */

export function slashCommand(st: SlackState, command: string, text: string, opts: { user?: string | undefined; channel?: string | undefined }): Promise<AckRecord> {
  const name = command.startsWith("/") ? command : `/${command}`;
  if (SLACK_BUILT_IN_COMMANDS.includes(name)) return Promise.reject(new Error(`${name} is one of Slack's built-in commands: Slack answers it and no app hears it`));
  if (st.opts.commands && !st.opts.commands.includes(name)) return Promise.reject(new Error(`${name} is not a slash command of this app: Slack says "${name} is not a valid command"`));
  const user = slackUser(st, opts.user ?? "U0ALICE");
  const channel = opts.channel ?? "C0OPS";
  const responseId = newResponseUrl(st, { channel, user: user.id });
  const payload = {
    token: "vtok-legacy", team_id: st.self.teamId, team_domain: st.self.teamDomain, channel_id: channel, channel_name: st.channels.get(channel) ?? "unknown",
    user_id: user.id, user_name: user.name, command: command.startsWith("/") ? command : `/${command}`, text, api_app_id: st.self.appId,
    is_enterprise_install: "false", response_url: `${st.self.url}/response/${responseId}`, trigger_id: issueTrigger(st, user.id),
  };
  const onPayload = (ack: Record<string, unknown>) => {
    if (ack.text === undefined && ack.blocks === undefined) return;
    if (ack.response_type === "in_channel") storeMessage(st, channel, ack, "ack");
    else storeEphemeral(st, channel, user.id, ack, "ack");
  };
  if (st.self.requestUrl) return deliverHttp(st, "slash_commands", new URLSearchParams(payload).toString(), onPayload);
  return deliverSocket(st, "slash_commands", payload, true, onPayload);
}

export function clickButton(st: SlackState, actionId: string, opts: { user?: string | undefined; channel?: string | undefined; messageTs?: string | undefined }): Promise<AckRecord> {
  const user = slackUser(st, opts.user ?? "U0ALICE");
  const channel = opts.channel ?? "C0OPS";
  let container: Record<string, unknown>;
  let message: Record<string, unknown> | undefined;
  let blocks: unknown[];
  let original: ResponseUrl["original"];
  if (opts.messageTs) {
    const m = st.self.message(channel, opts.messageTs);
    if (!m || m.deleted) throw new Error(`fake slack: no message ${opts.messageTs} in ${channel}`);
    blocks = m.blocks;
    container = { type: "message", message_ts: m.ts, channel_id: channel, is_ephemeral: false };
    message = { type: "message", ts: m.ts, text: m.text, blocks: m.blocks, user: st.self.botUserId, bot_id: st.self.botId, team: st.self.teamId };
    original = { kind: "channel", ts: m.ts };
  } else {
    const e = [...st.self.ephemerals].reverse().find((x) => x.user === user.id && x.channel === channel && findButton(x.blocks, actionId));
    if (!e) throw new Error(`fake slack: ${user.name} sees no ephemeral message with button ${actionId}`);
    blocks = e.blocks;
    container = { type: "message", message_ts: e.ts, channel_id: channel, is_ephemeral: true };
    original = { kind: "ephemeral", ts: e.ts };
  }
  const found = findButton(blocks, actionId);
  if (!found) throw new Error(`fake slack: that message has no button ${actionId}`);
  const responseId = newResponseUrl(st, { channel, user: user.id, original });
  const payload = {
    type: "block_actions", api_app_id: st.self.appId, token: "vtok-legacy", trigger_id: issueTrigger(st, user.id),
    team: { id: st.self.teamId, domain: st.self.teamDomain }, enterprise: null, is_enterprise_install: false,
    user: { id: user.id, username: user.name, name: user.name, team_id: st.self.teamId },
    channel: { id: channel, name: st.channels.get(channel) ?? "unknown" }, container, ...(message ? { message } : {}),
    response_url: `${st.self.url}/response/${responseId}`, state: { values: {} },
    actions: [{ ...found.button, block_id: found.blockId, action_ts: `${(Date.now() / 1000).toFixed(6)}` }],
  };
  if (st.self.requestUrl) return deliverHttp(st, "interactive", new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), () => {});
  return deliverSocket(st, "interactive", payload, false, () => {});
}
