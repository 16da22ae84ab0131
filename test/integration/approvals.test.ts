import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApprovalPoller } from "../../src/approvals/approval-poller.ts";
import { ApprovalStore } from "../../src/approvals/approval-store.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const CHANNEL: ChannelRef = { platform: "terminal", channel: "approvals" };
const grant = (role: "viewer" | "operator" | "admin", id: string) => ({ role, slackUsers: [id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
const OPERATOR: Actor = { platform: "slack", id: "U0OTTO", name: "otto", groups: [] };
const SECOND: Actor = { platform: "slack", id: "U0OLGA", name: "olga", groups: [] };
const VIEWER: Actor = { platform: "slack", id: "U0VERA", name: "vera", groups: [] };
const LISTED: Actor = { platform: "slack", id: "U0ADA", name: "ada", groups: [] };

/** Workflow approvals in chat, against the simulated AAP: posted once, decided by a click, bound to the people allowed. */
describe("AAP workflow approvals as Approve / Deny buttons", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.permissions.grants.push(grant("operator", OPERATOR.id), grant("operator", SECOND.id), grant("viewer", VIEWER.id), grant("operator", LISTED.id));
        c.approvals.channels = ["terminal:approvals"];
        c.approvals.pollInterval = 60_000; // polled by hand below
        c.approvals.workflows = { "Listed Approval": { role: "operator", approvers: [`slack:${LISTED.id}`] } };
      },
    });
    h.lab.aap.addWorkflow({ name: "Short Approval", askVariables: true, askLimit: true, nodes: [
      { identifier: "gate", approval: { name: "Go ahead?", timeout: 1 }, success: ["deploy"] },
      { identifier: "deploy", template: "Master Deploy" },
    ] });
    h.lab.aap.addWorkflow({ name: "Listed Approval", nodes: [{ identifier: "gate", approval: { name: "Only Ada" } }] });
  });
  afterAll(async () => {
    await h?.close();
  });

  const aap = () => h.labops.clients.aap!;
  const poll = () => h.labops.approvals!.pollOnce({ force: true });
  const launch = async (name: string, body: { extra_vars?: Record<string, unknown>; limit?: string } = {}) => {
    const t = await aap().findWorkflowJobTemplate(name);
    const { workflowJobId } = await aap().launchWorkflow(t.id, body);
    await waitFor(() => h.lab.aap.approvals().some((a) => a.workflowJob === workflowJobId && a.status === "pending"));
    return { wf: workflowJobId, approval: h.lab.aap.approvals().find((a) => a.workflowJob === workflowJobId)!.id };
  };
  const messageOf = (wf: number): Recorded | undefined =>
    [...h.notifier.messages.values()].find((m) => m.ref.channel === CHANNEL.channel && (m.history[0]!.lines ?? []).some((l) => l.startsWith(`Workflow job ${wf},`)));
  const click = (msg: Message, label: string, actor: Actor) =>
    dispatchAction(h.labops.ack, { actionId: msg.buttons!.find((b) => b.label === label)!.id, actor, channel: CHANNEL, requestId: randomUUID() });
  const decisions = (id: number) => h.lab.aap.http.count("POST", new RegExp(`workflow_approvals/${id}/(approve|deny)/$`));

  it("posts a pending approval once, naming the workflow, who launched it, what it runs, its timeout and who may decide", async () => {
    const { wf } = await launch("Deploy with Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    const lists = () => h.lab.aap.http.count("GET", /workflow_approvals\/$/);
    const before = lists();
    // Two workers polling at once, then a restarted process with a fresh poller on the same Redis: one message.
    const [a, b] = await Promise.all([poll(), poll()]);
    expect(a.posted + b.posted).toBe(1);
    const restarted = new ApprovalPoller({
      aap: aap(), store: new ApprovalStore(h.labops.redis, h.config.redis.prefix), actions: h.labops.ack.actions, notifier: h.labops.notifiers,
      launches: h.labops.workerDeps.launches, config: h.config, channels: [CHANNEL], log: h.labops.log, intervalMs: 60_000,
    });
    expect((await restarted.pollOnce({ force: true })).posted).toBe(0);
    expect(lists() - before).toBe(3); // one list request per poll, for every pending approval
    const posted = [...h.notifier.messages.values()].filter((m) => m.ref.channel === CHANNEL.channel && (m.history[0]!.lines ?? []).some((l) => l.startsWith(`Workflow job ${wf},`)));
    expect(posted).toHaveLength(1);
    const msg = posted[0]!.history[0]!;
    expect(msg.title).toBe("Approval needed: Deploy with Approval: Approve the deploy");
    expect(msg.buttons!.map((x) => x.label)).toEqual(["Approve", "Deny"]);
    const text = renderText(msg);
    expect(text).toContain(`Workflow job ${wf}, launched by admin (in AAP).`);
    expect(text).toContain("When approved it runs: Master Deploy.");
    expect(text).toContain("With app=grafana limit=docker01");
    expect(text).toMatch(/Expires at \d\d:\d\d UTC \(in (59|60) min\); AAP fails it then\./);
    expect(text).toContain("Anyone with the operator role may decide.");
  });

  it("Approve by an operator: AAP approves once, the message says who, the workflow runs on, the audit trail has it; a second click does nothing", async () => {
    const { wf, approval } = await launch("Deploy with Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    await poll();
    const rec = messageOf(wf)!;
    const msg = rec.history[0]!;
    const viewer = await click(msg, "Approve", VIEWER);
    expect(viewer.reply?.lines?.join(" ")).toContain("needs the operator role");

    const first = await click(msg, "Approve", OPERATOR);
    expect(first.reply?.state).toBe("queued");
    const second = await click(msg, "Deny", SECOND);
    expect(second.reply?.title).toBe(`Approval ${approval} is already being decided`);
    const done = await h.notifier.final(first.reply!.jobId!);
    expect(done).toMatchObject({ state: "success", title: `Deploy with Approval: Approve the deploy approved by otto` });
    expect(decisions(approval)).toBe(1);
    expect(h.lab.aap.approvals().find((a) => a.id === approval)).toMatchObject({ status: "successful", decidedBy: "admin" });
    const edited = rec.history.at(-1)!;
    expect(edited).toMatchObject({ title: "Approved: Deploy with Approval: Approve the deploy", state: "success" });
    expect(edited.buttons).toBeUndefined();
    expect(edited.lines![0]).toMatch(/^Approved by otto at \d\d:\d\d UTC\.$/);
    await waitFor(() => h.lab.aap.workflowJob(wf)!.status === "successful", 10_000);
    const audit = await h.labops.ack.audit.recent({ target: "workflow:Deploy with Approval", limit: 20 });
    expect(audit.some((e) => e.event === "approval" && e.actor === `slack:${OPERATOR.id}` && e.detail?.startsWith(`approved approval ${approval} `))).toBe(true);
    expect(audit.some((e) => e.event === "refused" && e.actor === `slack:${VIEWER.id}`)).toBe(false); // refused by the button's role, before the handler
    // The poller sees it is no longer pending but finds it closed already: nothing is edited again.
    const edits = rec.history.length;
    await poll();
    expect(rec.history.length).toBe(edits);
  });

  it("a workflow with a list of approvers: anyone else is refused, on the button and again on the worker", async () => {
    const { wf, approval } = await launch("Listed Approval");
    await poll();
    const msg = messageOf(wf)!.history[0]!;
    expect(renderText(msg)).toContain("Only slack:U0ADA may decide (with the operator role).");
    const other = await click(msg, "Approve", OPERATOR);
    expect(other.reply).toMatchObject({ state: "failure", lines: ["Only slack:U0ADA may decide this approval."] });
    // A job queued without the button (or before the list changed) is refused where it takes effect.
    const forged = await h.labops.queue.enqueue("aap.approval-decide", {
      command: "approval", args: { approval, decision: "approve", workflow: "Listed Approval" }, actor: OPERATOR, channel: CHANNEL,
      requestId: randomUUID(), requires: "operator", enqueuedAt: Date.now(),
    });
    expect((await h.notifier.final(forged.jobId)).lines?.join(" ")).toContain("Only slack:U0ADA may decide this approval. Nothing was sent to AAP.");
    expect(decisions(approval)).toBe(0);
    const ada = await click(msg, "Deny", LISTED);
    const done = await h.notifier.final(ada.reply!.jobId!);
    expect(done.title).toBe("Listed Approval: Only Ada denied by ada");
    expect(messageOf(wf)!.history.at(-1)!.lines![0]).toMatch(/^Denied by ada at .*: the workflow takes its failure path\.$/);
    expect(h.lab.aap.workflowJob(wf)).toMatchObject({ status: expect.stringMatching(/failed|running/) });
    expect(decisions(approval)).toBe(1);
  });

  it("after AAP's timeout the message says it timed out, and a click then sends nothing to AAP and says why", async () => {
    const { wf, approval } = await launch("Short Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    await poll();
    const rec = messageOf(wf)!;
    const msg = rec.history[0]!;
    expect(renderText(msg)).toMatch(/Expires at .* \(in under a minute\)/);
    await waitFor(() => h.lab.aap.approvals().find((a) => a.id === approval)!.timedOut, 5_000);
    const r = await click(msg, "Approve", OPERATOR);
    const done = await h.notifier.final(r.reply!.jobId!);
    expect(done.lines).toEqual([`Approval ${approval} timed out before this click reached AAP; nothing was sent to AAP.`]);
    expect(decisions(approval)).toBe(0);
    expect(rec.history.at(-1)).toMatchObject({ title: "Timed out: Short Approval: Go ahead?", state: "failure" });
  });

  it("an approval decided in AAP itself is shown as decided there at the next poll", async () => {
    const { wf, approval } = await launch("Deploy with Approval", { extra_vars: { app: "grafana" }, limit: "docker01" });
    await poll();
    h.lab.aap.decideInAap(approval, true);
    const r = await poll();
    expect(r.closed).toBeGreaterThanOrEqual(1);
    expect(messageOf(wf)!.history.at(-1)!.lines![0]).toMatch(/^Approved by admin in AAP at /);
  });
});

async function waitFor(pred: () => boolean, ms = 5_000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 10));
  }
}
