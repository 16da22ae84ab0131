import { webApi } from "@slack/bolt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderBlocks } from "../../src/bot/slack/block-kit.ts";
import { buttonsOf, createSlackHarness, headerOf, TEST_THROTTLE, type SlackHarness } from "../helpers/slack-harness.ts";
import { approvalPollerFor, launchApproval } from "../helpers/approval-helpers.ts";

/** The real @slack/bolt 5 in Socket Mode against the fake Slack, the lab and labops on real Redis. */
describe("Slack front end over Socket Mode (real Bolt, fake Slack)", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness({ stepMs: 15 });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("starts with auth.test, apps.connections.open (app token), hello, and a user-group cache", async () => {
    expect(h.slack.count("auth.test")).toBe(1);
    expect(h.slack.count("apps.connections.open", (c) => c.ok)).toBe(1);
    expect(h.slack.openConnections).toBe(1);
    expect(h.slack.count("usergroups.list", (c) => c.ok && c.args.include_users === "true")).toBeGreaterThanOrEqual(1);
    expect(h.bot.groups.groupsOf("U0ALICE")).toEqual(["S0OPS"]);
    expect(h.bot.teamId).toBe(h.slack.teamId);
  });

  it("/deploy traefik: ephemeral ack within 3 s, then ONE channel message edited through to success", async () => {
    const callsBefore = h.slack.calls.length;
    const ack = await h.slack.slash("/deploy", "traefik", { user: "U0ALICE" });
    expect(ack.latencyMs).toBeLessThan(3_000);
    expect(ack.payload.response_type).toBe("ephemeral");
    expect(String(ack.payload.text)).toMatch(/queued as job `[0-9a-f]{12}`/);
    // No Web API call on the ack path (the user groups came from the cache).
    expect(h.slack.calls.slice(callsBefore).filter((c) => c.method === "usergroups.list")).toHaveLength(0);
    const jobId = /job `([0-9a-f]{12})`/.exec(String(ack.payload.text))![1]!;

    const final = await h.final(jobId);
    expect(headerOf(final.blocks)).toMatch(/^✅ /);
    expect(final.text).toContain("traefik");
    expect(final.text).toMatch(/AAP job \d+ successful/);
    // Every edit went to the same ts, at least perMessageMs apart.
    const updates = h.slack.calls.filter((c) => c.method === "chat.update" && c.ok && c.args.ts === final.ts);
    expect(final.history.length).toBeGreaterThanOrEqual(2);
    expect(updates.length).toBe(final.history.length - 1);
    for (let i = 1; i < final.history.length; i++) expect(final.history[i]!.at - final.history[i - 1]!.at).toBeGreaterThanOrEqual(TEST_THROTTLE.perMessageMs);
    expect(h.slack.count("chat.postMessage", (c) => c.ok && c.args.channel === "C0OPS")).toBeGreaterThanOrEqual(1);
    expect(h.slack.ackFailures).toEqual([]);
    console.log(`ack latency ${ack.latencyMs.toFixed(1)} ms; message edited ${final.history.length - 1} times`);
  });

  it("refuses a user without the operator group, ephemerally, and queues nothing", async () => {
    const before = await h.labops.queue.queue.count();
    const ack = await h.slack.slash("/deploy", "grafana", { user: "U0BOB" });
    expect(ack.payload.response_type).toBe("ephemeral");
    expect(String(ack.payload.text)).toContain("needs the operator role");
    expect(await h.labops.queue.queue.count()).toBe(before);
  });

  it("buttons: a confirmation bound to alice is refused for bob (ephemeral), confirmed by alice (chat.update in place), and the job runs", async () => {
    const confirmId = await h.labops.ack.actions.create({
      kind: "confirm-command", payload: { command: "deploy", args: { app: "grafana", check: false }, requestId: "t-confirm-1" },
      boundTo: "slack:U0ALICE", boundName: "alice", requires: "operator", singleUse: true, ttlMs: 60_000,
    });
    const ref = await h.bot.notifier.post({ platform: "slack", channel: "C0OPS" }, {
      title: "Deploy grafana?", state: "warning", lines: ["Only alice can confirm."], buttons: [{ id: confirmId, label: "Deploy", style: "danger" }],
    });
    const msg = h.slack.message("C0OPS", ref.messageId)!;
    const [button] = buttonsOf(msg.blocks);
    expect(button).toMatchObject({ action_id: confirmId, style: "danger", confirm: { confirm: { text: "Deploy" } } });

    const bob = await h.slack.click(confirmId, { user: "U0BOB", messageTs: ref.messageId });
    expect(bob.latencyMs).toBeLessThan(3_000);
    const refusal = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0BOB" && e.via === "response_url"), 5_000, "bob's refusal");
    expect(refusal.text).toContain("Only alice can use this button");
    expect(msg.history).toHaveLength(1); // untouched: no chat.update for a refused click

    const queuedBefore = await h.labops.queue.queue.getJobCountByTypes("waiting", "active", "delayed", "completed");
    const alice = await h.slack.click(confirmId, { user: "U0ALICE", messageTs: ref.messageId });
    expect(alice.latencyMs).toBeLessThan(3_000);
    await h.slack.waitFor(() => msg.history.length === 2 || undefined, 5_000, "the clicked message to be updated");
    expect(headerOf(msg.blocks)).toContain("confirmed by alice");
    expect(buttonsOf(msg.blocks)).toHaveLength(0); // buttons removed
    expect(msg.history[1]!.via).toBe("chat.update");
    const queued = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0ALICE" && e.via === "response_url" && /queued as job/.test(e.text)), 5_000, "alice's ephemeral reply");
    const jobId = /job `([0-9a-f]{12})`/.exec(queued.text)![1]!;
    expect(await h.labops.queue.queue.getJobCountByTypes("waiting", "active", "delayed", "completed")).toBe(queuedBefore + 1);
    expect(headerOf((await h.final(jobId)).blocks)).toMatch(/^✅ .*grafana/);
  });

  it("buttons on an ephemeral message are answered through response_url (replace_original), not chat.update", async () => {
    const cancelId = await h.labops.ack.actions.create({ kind: "cancel", payload: {}, boundTo: "slack:U0ALICE", boundName: "alice", requires: "viewer", singleUse: true, ttlMs: 60_000 });
    const web = new webApi.WebClient(h.slack.botToken, { slackApiUrl: `${h.slack.url}/api/`, retryConfig: { retries: 0 } });
    const blocks = renderBlocks({ title: "Clean up?", state: "warning", buttons: [{ id: cancelId, label: "Cancel" }] });
    await web.chat.postEphemeral({ channel: "C0OPS", user: "U0ALICE", text: "Clean up?", blocks });
    const updatesBefore = h.slack.count("chat.update");
    await h.slack.click(cancelId, { user: "U0ALICE" });
    const e = await h.slack.waitFor(() => h.slack.ephemerals.find((x) => x.via === "chat.postEphemeral" && x.replaced > 0), 5_000, "the ephemeral to be replaced");
    expect(headerOf(e.blocks)).toContain("Canceled by alice");
    expect(h.slack.count("chat.update")).toBe(updatesBefore);
  });

  it("a Socket Mode refresh_requested mid-job: Bolt reconnects with a fresh ticket and the final message still arrives", async () => {
    const opened = h.slack.connectionsOpened;
    const ack = await h.slack.slash("/deploy", "uptime-kuma");
    const jobId = /job `([0-9a-f]{12})`/.exec(String(ack.payload.text))![1]!;
    const tDisconnect = Date.now();
    h.slack.disconnect("refresh_requested");
    const final = await h.final(jobId);
    expect(headerOf(final.blocks)).toMatch(/^✅ /);
    expect(final.history.at(-1)!.at).toBeGreaterThan(tDisconnect);
    await h.slack.waitFor(() => (h.slack.connectionsOpened > opened && h.slack.openConnections === 1) || undefined, 10_000, "a reconnect");
    expect(h.slack.count("apps.connections.open", (c) => c.ok)).toBe(opened + 1);
    // A dropped socket (no close handshake) is survived the same way, and commands work on the new link.
    h.slack.dropSocket();
    await h.slack.waitFor(() => (h.slack.connectionsOpened > opened + 1 && h.slack.openConnections === 1) || undefined, 10_000, "a reconnect after a drop");
    const again = await h.slack.slash("/deploy", "traefik --check");
    expect(again.latencyMs).toBeLessThan(3_000);
    expect(String(again.payload.text)).toMatch(/queued as job/);
    console.log(`reconnects: ${h.slack.connectionsOpened - opened}, refresh → final ${final.history.at(-1)!.at - tDisconnect} ms`);
  });

  it("a 429 storm: 20 concurrent deploys with injected 429s deliver every final message, never exceed Slack's limits, and space edits", async () => {
    const apps = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "vaultwarden", "nextcloud"];
    const rlBefore = h.bot.notifier.stats.rateLimited;
    h.slack.injectRateLimit("chat.update", 3, 1);
    h.slack.injectRateLimit("chat.postMessage", 2, 1);
    const t0 = Date.now();
    const acks = await Promise.all(Array.from({ length: 20 }, (_, i) => h.slack.slash("/deploy", apps[i % apps.length]!, { user: "U0ALICE" })));
    const ackMs = acks.map((a) => a.latencyMs).sort((a, b) => a - b);
    expect(ackMs.at(-1)!).toBeLessThan(3_000);
    const jobIds = acks.map((a) => /job `([0-9a-f]{12})`/.exec(String(a.payload.text))![1]!);
    const finals = await Promise.all(jobIds.map((id) => h.final(id, 45_000)));
    const elapsed = Date.now() - t0;

    expect(new Set(finals.map((f) => f.ts)).size).toBe(20); // one message per job
    for (const f of finals) expect(headerOf(f.blocks)).toMatch(/^(✅|❌) /);
    const nextclouds = jobIds.filter((_, i) => apps[i % apps.length] === "nextcloud").length;
    expect(finals.filter((f) => headerOf(f.blocks).startsWith("❌"))).toHaveLength(nextclouds); // nextcloud fails in the lab
    expect(h.slack.injected["chat.update"]).toBe(3);
    expect(h.slack.injected["chat.postMessage"]).toBe(2);
    expect(h.bot.notifier.stats.rateLimited - rlBefore).toBe(5);
    expect(Object.values(h.slack.overLimit).reduce((a, b) => a + b, 0)).toBe(0);
    for (const f of finals) {
      for (let i = 1; i < f.history.length; i++) expect(f.history[i]!.at - f.history[i - 1]!.at).toBeGreaterThanOrEqual(TEST_THROTTLE.perMessageMs);
    }
    // Workspace budget: in any scaled minute, at most 40 + burst calls (Slack's Tier 3 is 50).
    const minute = 60_000 * 0.05;
    const updates = h.slack.calls.filter((c) => c.method === "chat.update" && c.ok && c.at >= t0).map((c) => c.at);
    const busiest = Math.max(...updates.map((t) => updates.filter((u) => u >= t && u < t + minute).length));
    expect(busiest).toBeLessThanOrEqual(45);
    expect(h.slack.ackFailures).toEqual([]);
    console.log(`storm: 20 jobs in ${elapsed} ms; ack p50 ${ackMs[10]!.toFixed(1)} ms max ${ackMs.at(-1)!.toFixed(1)} ms; ` +
      `${h.slack.count("chat.postMessage", (c) => c.at >= t0 && c.ok)} posts, ${updates.length} updates (busiest scaled minute ${busiest}); ` +
      `429s: injected ${h.slack.injected["chat.update"]! + h.slack.injected["chat.postMessage"]!}, over-limit 0; coalesced ${h.bot.notifier.stats.coalesced}`);
  }, 60_000);

  it("logged no Bolt listener failure, no late ack, and no token", () => {
    const bad = h.logs.lines.filter((l) => /slack listener failed|ack budget exceeded|button answer not delivered/.test(l));
    expect(bad).toEqual([]);
    expect(h.logs.lines.some((l) => l.includes(h.slack.botToken) || l.includes(h.slack.appToken))).toBe(false);
    expect(h.logs.lines.some((l) => l.includes("slack front end started"))).toBe(true);
  });

  it("an AAP workflow approval: Approve / Deny posted; Bob (no role) is refused, Alice (operator) approves and the message says so", async () => {
    const { approval } = await launchApproval(h.labops, h.lab);
    expect((await approvalPollerFor(h.labops, { platform: "slack", channel: "C0OPS" }).pollOnce({ force: true })).posted).toBe(1);
    const msg = await h.slack.waitFor(() => h.slack.messages("C0OPS").find((m) => headerOf(m.blocks).includes("Approval needed: Deploy with Approval")), 5_000, "the approval message");
    const [approve, deny] = buttonsOf(msg.blocks);
    expect([approve!.text.text, deny!.text.text]).toEqual(["Approve", "Deny"]);
    expect(msg.text).toContain("Anyone with the operator role may decide.");
    await h.slack.click(approve!.action_id, { user: "U0BOB", messageTs: msg.ts });
    const refusal = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => e.user === "U0BOB" && e.via === "response_url" && e.text.includes("needs the operator role")), 5_000, "bob's refusal");
    expect(refusal.text).toContain("needs the operator role");
    const alice = await h.slack.click(approve!.action_id, { user: "U0ALICE", messageTs: msg.ts });
    expect(alice.latencyMs).toBeLessThan(3_000);
    await h.slack.waitFor(() => headerOf(msg.blocks).startsWith("✅ Approved: Deploy with Approval") || undefined, 10_000, "the approval message to say approved");
    expect(buttonsOf(msg.blocks)).toHaveLength(0);
    expect(msg.text).toMatch(/Approved by alice at \d\d:\d\d UTC/);
    expect(h.lab.aap.approvals().find((a) => a.id === approval)!.status).toBe("successful");
  });
});
