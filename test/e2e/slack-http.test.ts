import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { REPO_ROOT } from "../../src/create-labops.ts";
import { createSlackHarness, headerOf, type SlackHarness } from "../helpers/slack-harness.ts";

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

/** Slack HTTP mode: Bolt's HTTPReceiver mounted on labops' HTTP server at /slack/events, signed requests from the fake. */
describe("Slack front end in HTTP mode (real Bolt HTTPReceiver on labops' HTTP port)", () => {
  let h: SlackHarness;
  const queued = async () => h.labops.queue.queue.getJobCountByTypes("waiting", "active", "delayed", "completed", "failed", "prioritized");
  const slashBody = (text: string) => form({
    token: "vtok", team_id: h.slack.teamId, channel_id: "C0OPS", channel_name: "ops", user_id: "U0ALICE", user_name: "alice",
    command: "/deploy", text, api_app_id: h.slack.appId, response_url: `${h.slack.url}/response/none`, trigger_id: `t-${Date.now()}`,
  });
  beforeAll(async () => {
    h = await createSlackHarness({ mode: "http" });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("opens no Socket Mode connection", () => {
    expect(h.slack.count("apps.connections.open")).toBe(0);
    expect(h.slack.requestUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/slack\/events$/);
  });

  it("a correctly signed /deploy traefik gets 200 within 3 s, and the final result reaches the channel", async () => {
    const ack = await h.slack.slash("/deploy", "traefik", { user: "U0ALICE" });
    expect(ack.latencyMs).toBeLessThan(3_000);
    expect(ack.payload.response_type).toBe("ephemeral");
    const jobId = /job `([0-9a-f]{12})`/.exec(String(ack.payload.text))![1]!;
    const final = await h.final(jobId);
    expect(headerOf(final.blocks)).toMatch(/^✅ Deploy traefik/);
    expect(final.history.length).toBeGreaterThanOrEqual(2);
    console.log(`http ack latency ${ack.latencyMs.toFixed(1)} ms`);
  });

  it("a bad signature gets 401 and queues nothing", async () => {
    const before = await queued();
    const res = await h.slack.postSigned(slashBody("grafana"), { secret: "not-the-signing-secret" });
    expect(res.status).toBe(401);
    expect(await queued()).toEqual(before);
  });

  it("a correctly signed but stale request (> 5 min old) gets 401 and queues nothing", async () => {
    const before = await queued();
    const res = await h.slack.postSigned(slashBody("grafana"), { timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(res.status).toBe(401);
    expect(await queued()).toEqual(before);
  });

  it("anything but a POST to /slack/events is not Bolt's business", async () => {
    const res = await fetch(h.slack.requestUrl!, { method: "GET" });
    expect(res.status).toBe(404);
  });

  it("button clicks arrive as a signed payload= form; the clicked channel message is updated in place", async () => {
    const cancelId = await h.labops.ack.actions.create({ kind: "cancel", payload: {}, boundTo: "slack:U0ALICE", boundName: "alice", requires: "viewer", singleUse: true, ttlMs: 60_000 });
    const ref = await h.bot.notifier.post({ platform: "slack", channel: "C0OPS" }, { title: "Clean up?", state: "warning", buttons: [{ id: cancelId, label: "Cancel" }] });
    const ack = await h.slack.click(cancelId, { user: "U0ALICE", messageTs: ref.messageId });
    expect(ack.latencyMs).toBeLessThan(3_000);
    const msg = h.slack.message("C0OPS", ref.messageId)!;
    await h.slack.waitFor(() => msg.history.length === 2 || undefined, 5_000, "the message update");
    expect(headerOf(msg.blocks)).toContain("Canceled by alice");
    expect(msg.history[1]!.via).toBe("chat.update");
  });

  it("answers a command this build does not know with a hint, not a timeout", async () => {
    const ack = await h.slack.slash("/labops", "frobnicate now", { user: "U0ALICE" });
    expect(ack.latencyMs).toBeLessThan(3_000);
    expect(String(ack.payload.text)).toContain("There is no `/labops frobnicate` command");
    expect(String(ack.payload.text)).toContain("/labops help");
  });

  it("slack-manifest.yml declares every command root, Socket Mode, interactivity and the scopes the front end uses", () => {
    const manifest = parse(readFileSync(`${REPO_ROOT}slack-manifest.yml`, "utf8"));
    const declared = manifest.features.slash_commands.map((c: { command: string }) => c.command);
    expect(declared).toEqual(h.labops.ack.commands.slashCommands().map((c) => `/${c}`));
    expect(declared).toEqual(["/labops", "/cleanup-ocp", "/deploy", "/runner", "/seed-aap"]);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    expect(manifest.oauth_config.scopes.bot).toEqual(expect.arrayContaining(["commands", "chat:write", "usergroups:read"]));
  });
});
