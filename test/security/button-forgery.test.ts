import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { buttonsOf, createSlackHarness, type SlackHarness } from "../helpers/slack-harness.ts";

/**
 * Permission checks cannot be bypassed with a crafted button payload: a correctly signed click (Slack signs
 * whatever a user clicks) that carries another user's confirmation id, a forged or altered id, or an id
 * already used, queues nothing; the owner's confirmation still works once.
 */
describe("button payloads crafted for another user's confirmation (Slack HTTP mode, real Bolt)", () => {
  let h: SlackHarness;
  let confirmId: string;
  let cancelId: string;
  const bob: Actor = { platform: "slack", id: "U0BOB", name: "bob", groups: [] };
  const carol: Actor = { platform: "slack", id: "U0CAROL", name: "carol", groups: ["S0OPS"] };
  const channel = { platform: "slack" as const, channel: "C0OPS" };
  const jobCount = async () => Object.values(await h.labops.queue.queue.getJobCounts("waiting", "active", "delayed", "completed", "failed", "prioritized")).reduce((a, b) => a + b, 0);

  /** A signed block_actions delivery as Slack would send it when `user` clicks a button with `actionId`. */
  const click = (user: { id: string; name: string }, actionId: string) => {
    const payload = {
      type: "block_actions", api_app_id: h.slack.appId, token: "vtok", trigger_id: `${Date.now()}.${randomBytes(6).toString("hex")}`,
      team: { id: h.slack.teamId, domain: "homelab" }, user: { id: user.id, username: user.name, name: user.name, team_id: h.slack.teamId },
      channel: { id: "C0OPS", name: "ops" }, container: { type: "message", message_ts: "1700000000.000100", channel_id: "C0OPS", is_ephemeral: true },
      response_url: `${h.slack.url}/response/none`, state: { values: {} },
      actions: [{ type: "button", action_id: actionId, block_id: "b1", text: { type: "plain_text", text: "Destroy" }, action_ts: `${Date.now() / 1000}` }],
    };
    return h.slack.postSigned(new URLSearchParams({ payload: JSON.stringify(payload) }).toString());
  };

  beforeAll(async () => {
    h = await createSlackHarness({ mode: "http" });
    h.config.admins.push("slack:U0ALICE"); // /runner destroy needs admin; Alice is one, Bob and Carol are not
    const ack = await h.slack.slash("/runner", "destroy runner01", { user: "U0ALICE" });
    const buttons = buttonsOf(ack.payload.blocks as unknown[]);
    expect(buttons.map((b) => b.text.text)).toEqual(["Destroy", "Cancel"]);
    confirmId = buttons[0]!.action_id;
    cancelId = buttons[1]!.action_id;
  });
  afterAll(async () => {
    await h?.close();
  });

  it("another user's clicks on Alice's Confirm and Cancel (and altered or invented ids) queue nothing and use nothing up", async () => {
    const before = await jobCount();
    const forged = [
      confirmId, cancelId, `${confirmId}x`, confirmId.slice(0, -1), confirmId.replace(/.$/, (c) => (c === "A" ? "B" : "A")),
      `act:${randomBytes(16).toString("base64url")}`, "act:*", confirmId.toLowerCase(), `${confirmId} `, `${confirmId}\n`,
    ];
    for (const user of [{ id: "U0BOB", name: "bob" }, { id: "U0CAROL", name: "alice" }]) {
      for (const id of forged) {
        for (let i = 0; i < 5; i++) expect((await click(user, id)).status).toBe(200); // acked at once, as Slack requires
      }
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobCount()).toBe(before);
    // The buttons are still Alice's and still there.
    expect((await h.labops.ack.actions.peek(confirmId))?.boundTo).toBe("slack:U0ALICE");
    expect(await h.labops.ack.actions.peek(cancelId)).toBeDefined();
    // What the forger is told (same dispatch as the Bolt handler uses).
    const out = await dispatchAction(h.labops.ack, { actionId: confirmId, actor: bob, channel });
    expect(renderText(out.reply!)).toContain("Only alice can use this button.");
    const spoofName = await dispatchAction(h.labops.ack, { actionId: confirmId, actor: { ...carol, name: "alice" }, channel });
    expect(renderText(spoofName.reply!)).toContain("Only alice can use this button.");
  });

  it("Alice's own Confirm queues exactly one job; replaying it (by her or anyone) queues nothing more", async () => {
    const before = await jobCount();
    const res = await click({ id: "U0ALICE", name: "alice" }, confirmId);
    expect(res.status).toBe(200);
    const t0 = Date.now();
    while ((await jobCount()) === before && Date.now() - t0 < 3_000) await new Promise((r) => setTimeout(r, 20));
    expect(await jobCount()).toBe(before + 1);
    for (let i = 0; i < 5; i++) {
      await click({ id: "U0ALICE", name: "alice" }, confirmId);
      await click({ id: "U0BOB", name: "bob" }, confirmId);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect(await jobCount()).toBe(before + 1);
    const reuse = await dispatchAction(h.labops.ack, { actionId: confirmId, actor: { platform: "slack", id: "U0ALICE", name: "alice", groups: [] }, channel });
    expect(renderText(reuse.reply!)).toContain("expired or was already used");
    // Her Cancel was single-use too, but it is a different button; Bob still cannot use it.
    const bobCancel = await dispatchAction(h.labops.ack, { actionId: cancelId, actor: bob, channel });
    expect(renderText(bobCancel.reply!)).toContain("Only alice can use this button.");
  });

  it("a button that needs a role is refused to someone without it, and is not used up by the refusal", async () => {
    const id = await h.labops.ack.actions.create({ kind: "cancel", payload: {}, requires: "admin", singleUse: true, ttlMs: 60_000 });
    const before = await jobCount();
    for (let i = 0; i < 5; i++) {
      await click({ id: "U0BOB", name: "bob" }, id);
      await click({ id: "U0CAROL", name: "carol" }, id); // an operator, not an admin
    }
    const refused = await dispatchAction(h.labops.ack, { actionId: id, actor: carol, channel });
    expect(renderText(refused.reply!)).toContain("needs the admin role");
    expect(await h.labops.ack.actions.peek(id)).toBeDefined();
    const ok = await dispatchAction(h.labops.ack, { actionId: id, actor: { platform: "slack", id: "U0ALICE", name: "alice", groups: [] }, channel });
    expect(ok.update?.title).toBe("Canceled by alice");
    expect(await jobCount()).toBe(before);
  });
});
