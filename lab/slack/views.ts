import { randomBytes } from "node:crypto";
import type { AckRecord } from "./options.ts";
import type { SlackState } from "./state.ts";
import { deliverHttp, deliverSocket } from "./socket.ts";
import { slackUser } from "./store.ts";

/**
 * Modals as Slack runs them: a trigger_id (from a slash command or a click) opens one view within 3 s, once;
 * views.open checks the view's Block Kit limits; a submission is delivered as `view_submission` with the
 * inputs in `view.state.values[block_id][action_id]`, and its ack may answer `response_action: "errors"`
 * (keys must be input block ids; the modal stays open) or nothing (the modal closes).
 */

export interface FakeSlackView {
  id: string;
  user: string;
  view: Record<string, unknown>;
  open: boolean;
  /** Errors from the last submission's ack, by block_id (what the person sees under each input). */
  errors?: Record<string, string> | undefined;
}

const TRIGGER_TTL_MS = 3_000;
const INPUT_ELEMENTS = ["plain_text_input", "number_input", "static_select", "multi_static_select"];

/** Remembers a trigger_id Slack issued with an interaction, for views.open. */
export function issueTrigger(st: SlackState, user: string): string {
  const id = `${Date.now()}.${++st.envSeq}.${randomBytes(8).toString("hex")}`;
  st.triggers.set(id, { at: Date.now(), user, used: false });
  return id;
}

const plain = (t: unknown, max: number) => !!t && typeof t === "object" && (t as { type?: unknown }).type === "plain_text" && typeof (t as { text?: unknown }).text === "string" && ((t as { text: string }).text.length > 0) && (t as { text: string }).text.length <= max;

/** What views.open refuses in a view, as Slack's `invalid_arguments` messages say it; undefined when valid. */
export function viewProblem(v: unknown): string | undefined {
  if (!v || typeof v !== "object") return "[ERROR] failed to match all allowed schemas [json-pointer:/view]";
  const view = v as Record<string, unknown>;
  if (view.type !== "modal") return "[ERROR] must be one of: modal, home [json-pointer:/view/type]";
  if (!plain(view.title, 24)) return "[ERROR] must be a plain_text object of at most 24 characters [json-pointer:/view/title]";
  if (typeof view.callback_id === "string" && view.callback_id.length > 255) return "[ERROR] must be less than 256 characters [json-pointer:/view/callback_id]";
  if (typeof view.private_metadata === "string" && view.private_metadata.length > 3000) return "[ERROR] must be less than 3001 characters [json-pointer:/view/private_metadata]";
  const blocks = view.blocks;
  if (!Array.isArray(blocks) || blocks.length > 100) return "[ERROR] must be an array of at most 100 items [json-pointer:/view/blocks]";
  const ids = new Set<string>();
  let inputs = 0;
  for (const [i, b] of (blocks as Record<string, unknown>[]).entries()) {
    if (typeof b.block_id === "string") {
      if (b.block_id.length > 255) return `[ERROR] must be less than 256 characters [json-pointer:/view/blocks/${i}/block_id]`;
      if (ids.has(b.block_id)) return `[ERROR] duplicate block_id [json-pointer:/view/blocks/${i}/block_id]`;
      ids.add(b.block_id);
    }
    if (b.type !== "input") continue;
    inputs++;
    if (!plain(b.label, 2000)) return `[ERROR] must be a plain_text object of at most 2000 characters [json-pointer:/view/blocks/${i}/label]`;
    const el = b.element as Record<string, unknown> | undefined;
    if (!el || !INPUT_ELEMENTS.includes(String(el.type))) return `[ERROR] failed to match all allowed schemas [json-pointer:/view/blocks/${i}/element]`;
    if (typeof el.action_id !== "string") return `[ERROR] missing required field: action_id [json-pointer:/view/blocks/${i}/element]`;
    if (el.type === "number_input" && typeof el.is_decimal_allowed !== "boolean") return `[ERROR] missing required field: is_decimal_allowed [json-pointer:/view/blocks/${i}/element]`;
    if ((el.type === "static_select" || el.type === "multi_static_select") && (!Array.isArray(el.options) || el.options.length === 0 || el.options.length > 100)) return `[ERROR] must provide 1 to 100 options [json-pointer:/view/blocks/${i}/element/options]`;
  }
  if (inputs > 0 && !plain(view.submit, 24)) return "[ERROR] submit is required when a view has input blocks [json-pointer:/view/submit]";
  return undefined;
}

/** views.open: the trigger must be fresh (3 s), unused, and the view valid. */
export function openView(st: SlackState, a: Record<string, unknown>, at: number): Record<string, unknown> {
  const trig = typeof a.trigger_id === "string" ? st.triggers.get(a.trigger_id) : undefined;
  if (!trig) return { ok: false, error: "invalid_trigger_id" };
  if (trig.used) return { ok: false, error: "exchanged_trigger_id" };
  if (at - trig.at > TRIGGER_TTL_MS) return { ok: false, error: "expired_trigger_id" };
  const problem = viewProblem(a.view);
  if (problem) return { ok: false, error: "invalid_arguments", response_metadata: { messages: [problem] } };
  trig.used = true;
  const id = `V${randomBytes(5).toString("hex").toUpperCase()}`;
  const view = { ...(a.view as Record<string, unknown>), id, team_id: st.self.teamId, app_id: st.self.appId, bot_id: st.self.botId, hash: `${Math.floor(at / 1000)}.${randomBytes(4).toString("hex")}`,
    state: { values: {} }, previous_view_id: null, root_view_id: id, private_metadata: (a.view as Record<string, unknown>).private_metadata ?? "", callback_id: (a.view as Record<string, unknown>).callback_id ?? "" };
  st.views.set(id, { id, user: trig.user, view, open: true });
  return { ok: true, view };
}

/**
 * The person submits an open modal: `answers` by block_id (text, a chosen option's value, or several).
 * Delivered as `view_submission`; the ack decides whether the modal closes.
 */
export async function submitView(st: SlackState, viewId: string, answers: Record<string, string | string[]>): Promise<AckRecord> {
  const v = st.views.get(viewId);
  if (!v || !v.open) throw new Error(`fake slack: no open view ${viewId}`);
  const values: Record<string, Record<string, unknown>> = {};
  for (const b of v.view.blocks as Record<string, unknown>[]) {
    if (b.type !== "input") continue;
    const el = b.element as Record<string, unknown>;
    const given = answers[String(b.block_id)];
    const opts = (el.options as { text: unknown; value: string }[] | undefined) ?? [];
    const pick = (val: string) => {
      const o = opts.find((x) => x.value === val);
      if (!o) throw new Error(`fake slack: ${String(b.block_id)} offers no option ${val}`);
      return o;
    };
    const cell = el.type === "static_select" ? { type: el.type, selected_option: given === undefined ? null : pick(String(given)) }
      : el.type === "multi_static_select" ? { type: el.type, selected_options: (Array.isArray(given) ? given : given ? [given] : []).map(pick) }
        : { type: el.type, value: given === undefined || given === "" ? null : String(given) };
    values[String(b.block_id)] = { [String(el.action_id)]: cell };
  }
  const user = slackUser(st, v.user);
  const payload = {
    type: "view_submission", team: { id: st.self.teamId, domain: st.self.teamDomain }, user: { id: user.id, username: user.name, name: user.name, team_id: st.self.teamId },
    api_app_id: st.self.appId, token: "vtok-legacy", trigger_id: issueTrigger(st, user.id), view: { ...v.view, state: { values } }, response_urls: [], is_enterprise_install: false, enterprise: null,
  };
  const rec = st.self.requestUrl
    ? await deliverHttp(st, "interactive", new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), () => {})
    : await deliverSocket(st, "interactive", payload, true, () => {});
  const p = rec.payload;
  if (p.response_action === "errors") {
    const inputs = new Set((v.view.blocks as Record<string, unknown>[]).filter((b) => b.type === "input").map((b) => String(b.block_id)));
    const errors = (p.errors ?? {}) as Record<string, string>;
    const stray = Object.keys(errors).find((k) => !inputs.has(k));
    if (stray) throw new Error(`fake slack: response_action errors names ${stray}, which is not an input block of the view (Slack shows a generic error)`);
    v.errors = errors;
  } else if (p.response_action === "update" && p.view) {
    v.view = { ...v.view, ...(p.view as Record<string, unknown>) };
    v.errors = undefined;
  } else {
    v.open = false;
    v.errors = undefined;
  }
  return rec;
}
