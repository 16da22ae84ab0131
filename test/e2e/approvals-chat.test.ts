import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApprovalPoller } from "../../src/approvals/approval-poller.ts";
import { ApprovalStore } from "../../src/approvals/approval-store.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import type { Labops } from "../../src/create-labops.ts";
import type { Lab } from "../../lab/create-lab.ts";
import type { Obj } from "../../lab/discord/objects.ts";
import { createDiscordHarness, type DiscordHarness } from "../helpers/discord-harness.ts";
import { buttonsOf, createSlackHarness, headerOf, type SlackHarness } from "../helpers/slack-harness.ts";

/** A poller posting to `channel` through the front end's real notifier (the worker's own posts to the configured channels the same way). */
function pollerFor(labops: Labops, channel: ChannelRef): ApprovalPoller {
  return new ApprovalPoller({
    aap: labops.clients.aap!, store: new ApprovalStore(labops.redis, labops.config.redis.prefix), actions: labops.ack.actions, notifier: labops.notifiers,
    launches: labops.workerDeps.launches, config: labops.config, channels: [channel], log: labops.log, intervalMs: 60_000,
  });
}

async function launchApproval(labops: Labops, lab: Lab): Promise<{ wf: number; approval: number }> {
  const aap = labops.clients.aap!;
  const t = await aap.findWorkflowJobTemplate("Deploy with Approval");
  const { workflowJobId } = await aap.launchWorkflow(t.id, { extra_vars: { app: "grafana" }, limit: "docker01" });
  await until(() => lab.aap.approvals().some((a) => a.workflowJob === workflowJobId) || undefined);
  return { wf: workflowJobId, approval: lab.aap.approvals().find((a) => a.workflowJob === workflowJobId)!.id };
}

describe("approvals through the real Bolt front end (fake Slack)", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness();
  }, 30_000);
  afterAll(async () => {
    await h?.close();
  });

  it("posts Approve / Deny; Bob (no role) is refused, Alice (operator) approves and the message says so", async () => {
    const { approval } = await launchApproval(h.labops, h.lab);
    expect((await pollerFor(h.labops, { platform: "slack", channel: "C0OPS" }).pollOnce({ force: true })).posted).toBe(1);
    const msg = await h.slack.waitFor(() => h.slack.messages("C0OPS").find((m) => headerOf(m.blocks).includes("Approval needed: Deploy with Approval")), 5_000, "the approval message");
    const [approve, deny] = buttonsOf(msg.blocks);
    expect([approve!.text.text, deny!.text.text]).toEqual(["Approve", "Deny"]);
    expect(msg.text).toContain("Anyone with the operator role may decide.");

    await h.slack.click(approve!.action_id, { user: "U0BOB", messageTs: msg.ts });
    const refusal = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0BOB" && e.via === "response_url"), 5_000, "bob's refusal");
    expect(refusal.text).toContain("needs the operator role");

    const alice = await h.slack.click(approve!.action_id, { user: "U0ALICE", messageTs: msg.ts });
    expect(alice.latencyMs).toBeLessThan(3_000);
    await h.slack.waitFor(() => headerOf(msg.blocks).startsWith("✅ Approved: Deploy with Approval") || undefined, 10_000, "the approval message to say approved");
    expect(buttonsOf(msg.blocks)).toHaveLength(0);
    expect(msg.text).toMatch(/Approved by alice at \d\d:\d\d UTC/);
    expect(h.lab.aap.approvals().find((a) => a.id === approval)!.status).toBe("successful");
  });
});

describe("approvals through the real discord.js front end (fake Discord)", () => {
  let d: DiscordHarness;
  beforeAll(async () => {
    d = await createDiscordHarness();
  }, 30_000);
  afterAll(async () => {
    await d?.close();
  });

  const embed = (m: Obj | undefined) => ((m?.embeds as Obj[] | undefined) ?? [])[0] ?? {};
  const text = (m: Obj | undefined) => `${String(embed(m).title ?? "")}\n${String(embed(m).description ?? "")}`;
  const buttons = (m: Obj | undefined) => ((m?.components as Obj[] | undefined) ?? []).flatMap((r) => (r.components as Obj[]) ?? []);

  it("posts Approve / Deny; a member without the role is refused, an operator denies and the message says so", async () => {
    const ops = d.fake.channel("ops");
    const { approval } = await launchApproval(d.h.labops, d.h.lab);
    expect((await pollerFor(d.h.labops, { platform: "discord", channel: ops }).pollOnce({ force: true })).posted).toBe(1);
    const posted = await until(() => d.fake.messages(ops).find((m) => text(m.object).includes("Approval needed: Deploy with Approval")));
    const [approve, deny] = buttons(posted.object);
    expect([approve!.label, deny!.label]).toEqual(["Approve", "Deny"]);
    const id = String(posted.object.id);

    await d.fake.click(String(deny!.custom_id), id, { user: "bob", roles: [] });
    await until(() => d.fake.messages(ops).find((m) => m.via === "followup" && text(m.object).includes("needs the operator role")));
    const own = await d.fake.click(String(deny!.custom_id), id, { user: "alice", roles: [d.operators] });
    expect(own.latencyMs).toBeLessThan(3_000);
    const edited = await until(() => (text(d.fake.message(id)?.object).includes("Denied: Deploy with Approval") ? d.fake.message(id)!.object : undefined), 10_000);
    expect(buttons(edited)).toHaveLength(0);
    expect(text(edited)).toMatch(/Denied by alice at \d\d:\d\d UTC/);
    expect(d.h.lab.aap.approvals().find((a) => a.id === approval)!.status).toBe("failed");
  });
});

async function until<T>(fn: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}
