import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Obj } from "../../lab/mattermost/fake-mattermost.ts";
import type { StoredPost } from "../../lab/mattermost/store.ts";
import { STATE_COLOURS } from "../../src/bot/mattermost/mattermost-render.ts";
import { STATE_ICONS, type MessageState } from "../../src/core/message.ts";
import { createMattermostBot } from "../../src/bot/mattermost/create-mattermost-bot.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { createMattermostHarness, type MattermostHarness } from "../helpers/mattermost-harness.ts";

/** Mattermost end to end: the fake server types commands and clicks buttons against labops' HTTP port; the real queue and worker run the jobs. */
let m: MattermostHarness;
let ops: string;

beforeAll(async () => {
  m = await createMattermostHarness({ harness: { worker: { lockRetryMs: 200 } } });
  ops = m.fake.channel("ops");
}, 30_000);

afterAll(async () => {
  await m?.close();
});

const attachments = (p: Obj | undefined) => (((p?.props as Obj | undefined)?.attachments as Obj[] | undefined) ?? []);
const actions = (p: Obj | undefined) => attachments(p).flatMap((a) => (a.actions as Obj[] | undefined) ?? []);
const colour = (p: Obj | undefined) => attachments(p)[0]?.color;

async function until<T>(fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The state a post shows (the icon its title starts with). */
const stateOf = (p: Obj | undefined): MessageState | undefined =>
  (Object.entries(STATE_ICONS) as [MessageState, string][]).find(([, icon]) => String(p?.message ?? "").startsWith(`#### ${icon} `))?.[0];

/** The bot's posts about `app` made since `since` (a job's progress message). */
const botPosts = (app: string, since: number): StoredPost[] =>
  m.fake.posts(ops).filter((p) => p.post.user_id === m.fake.bot.id && Number(p.history[0]!.create_at) >= since && String(p.post.message).includes(app));

/** A post as the labops action route receives a click on it (what the Mattermost server would send). */
function clickBody(p: Obj, user: { id: string; username: string }, button = 0, channelId = String(p.channel_id)): Obj {
  return {
    user_id: user.id, user_name: user.username, channel_id: channelId, team_id: m.fake.teamId, post_id: p.id, trigger_id: `t${Date.now()}${Math.random()}`,
    type: "button", context: (actions(p)[button]!.integration as Obj).context,
  };
}

async function postAction(body: Obj): Promise<{ status: number; answer: Obj }> {
  const res = await fetch(`${m.labopsUrl}/mattermost/actions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.status, answer: (await res.json()) as Obj };
}

describe("Mattermost front end against the fake Mattermost", () => {
  it("a command with a confirmation: the preview in the channel, a foreign click refused, Confirm, progress edits and the final post", async () => {
    const since = Date.now();
    const typed = await m.fake.type(m.olga, "ops", "/redeploy grafana");
    expect(typed.status).toBe(200);
    expect(typed.latencyMs).toBeLessThan(3_000);
    expect(typed.answer).toMatchObject({ response_type: "in_channel" });
    const preview = m.fake.post(String(typed.post!.id))!;
    expect(preview.ephemeralFor).toBeUndefined();
    expect(String(preview.post.message)).toContain("Redeploy grafana?");
    expect(colour(preview.post)).toBe(STATE_COLOURS.warning);
    const [confirm, cancel] = actions(preview.post);
    expect(confirm).toMatchObject({ name: "Redeploy", style: "danger", integration: { url: `${m.labopsUrl}/mattermost/actions` } });
    expect(cancel).toMatchObject({ name: "Cancel" });
    // What clients are sent carries no integration: the context stays between the server and labops.
    expect(actions(typed.post)[0]).not.toHaveProperty("integration");

    const foreign = await m.fake.click(m.vic, String(preview.post.id), "Redeploy");
    expect(foreign.status).toBe(200);
    expect(String(foreign.ephemeral?.message)).toContain("Only olga can use this button");
    expect(actions(m.fake.post(String(preview.post.id))!.post)).toHaveLength(2); // untouched

    const own = await m.fake.click(m.olga, String(preview.post.id), "Redeploy");
    expect(own.status).toBe(200);
    expect(own.latencyMs).toBeLessThan(3_000);
    expect(String(own.post?.message)).toContain("confirmed by olga");
    expect(actions(own.post)).toHaveLength(0);
    const jobId = /job `([0-9a-f]+)`/.exec(String(own.post?.message))?.[1];
    expect(jobId).toBeDefined();
    expect(String(own.ephemeral?.message)).toContain(`queued as job \`${jobId}\``);

    const final = await until(() => botPosts("grafana", since).find((p) => stateOf(p.post) === "success"));
    expect(final.history.length).toBeGreaterThanOrEqual(3); // posted, then edited in place
    expect(final.history.some((h) => stateOf(h) === "running")).toBe(true);
    expect(final.history.slice(1).every((h) => Number(h.edit_at) > 0)).toBe(true);
    expect(String(final.post.message)).toContain("Deploy grafana");
    expect(botPosts("grafana", since)).toHaveLength(1); // one post for the job, edited, never a second
  });

  it("the same click replayed to labops is refused and queues nothing more", async () => {
    const typed = await m.fake.type(m.olga, "ops", "/redeploy jellyfin");
    const stored = m.fake.post(String(typed.post!.id))!.post;
    const body = clickBody(stored, m.olga);
    const first = await postAction(body);
    expect(first.status).toBe(200);
    expect(String((first.answer.update as Obj).message)).toContain("confirmed by olga");
    const jobs = await m.h.labops.queue.queue.count();
    const again = await postAction({ ...body, trigger_id: "another-trigger" });
    expect(again.status).toBe(200);
    expect(String(again.answer.ephemeral_text)).toContain("expired or was already used");
    expect(again.answer.update).toBeUndefined();
    expect(await m.h.labops.queue.queue.count()).toBe(jobs);
  });

  it("a forged click is refused before anything is claimed: a made-up signature, another channel, another action id", async () => {
    const typed = await m.fake.type(m.olga, "ops", "/redeploy traefik");
    const stored = m.fake.post(String(typed.post!.id))!.post;
    const good = clickBody(stored, m.olga);
    const ctx = good.context as { a: string; s: string };
    for (const forged of [
      { ...good, context: { a: ctx.a, s: "A".repeat(43) } },
      { ...good, context: { a: ctx.a } },
      { ...good, context: "act:whatever" },
      clickBody(stored, m.olga, 0, m.fake.channel("town-square")),
      { ...good, context: { a: "act:AAAAAAAAAAAAAAAAAAAAAA", s: ctx.s } },
    ]) {
      const r = await postAction(forged);
      expect(r.status).toBe(403);
    }
    // The real button still works for its owner: nothing was used up.
    const real = await m.fake.click(m.olga, String(stored.id), "Cancel");
    expect(String(real.post?.message)).toContain("Canceled by olga");
  });

  it("a person without a grant is refused privately, and nothing is queued", async () => {
    const before = await m.h.labops.queue.queue.count();
    const r = await m.fake.type(m.vic, "ops", "/deploy grafana");
    expect(r.status).toBe(200);
    expect(r.answer).toMatchObject({ response_type: "ephemeral" });
    expect(m.fake.post(String(r.post!.id))!.ephemeralFor).toBe(m.vic.id);
    expect(String(r.post!.message)).toContain("needs the operator role");
    const status = await m.fake.type(m.vic, "ops", "/labops status");
    expect(String(status.post!.message)).toContain("not allowed");
    expect(await m.h.labops.queue.queue.count()).toBe(before);
  });

  it("a wrong or missing token, or a trigger labops was not given a token for, is refused with 401", async () => {
    const before = await m.h.labops.queue.queue.count();
    const right = m.fake.commandTokens.get("deploy")!;
    for (const token of ["wrongtoken0000000000000000", right.slice(0, -1), "", m.fake.commandTokens.get("labops")!]) {
      const r = await m.fake.type(m.olga, "ops", "/deploy grafana", { token });
      expect(r.status).toBe(401);
      expect(r.post).toBeUndefined();
    }
    const form = new URLSearchParams({ command: "/status", token: right, user_id: m.olga.id, channel_id: ops, text: "" });
    const res = await fetch(`${m.labopsUrl}/mattermost/command`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: form.toString() });
    expect(res.status).toBe(401);
    expect(await m.h.labops.queue.queue.count()).toBe(before);
    expect(m.h.logs.lines.join("\n")).not.toContain(right);
  });

  it("a queued command is acknowledged privately within the budget and its progress post ends in place", async () => {
    const since = Date.now();
    const r = await m.fake.type(m.olga, "ops", "/deploy jellyfin");
    expect(r.latencyMs).toBeLessThan(3_000);
    expect(m.fake.post(String(r.post!.id))!.ephemeralFor).toBe(m.olga.id);
    const jobId = /job `([0-9a-f]+)`/.exec(String(r.post!.message))?.[1];
    expect(jobId, String(r.post?.message)).toBeDefined();
    const final = await until(() => botPosts("jellyfin", since).find((p) => ["success", "failure"].includes(stateOf(p.post) ?? "")));
    expect(stateOf(final.post)).toBe("success");
    expect(String(final.post.message)).toMatch(/AAP job \d+ successful/);
  });

  it("an answer later than the budget is announced at once, then delivered privately through the command's response_url", async () => {
    const http = new HttpServer(createLogger({ level: "silent" }));
    const url = await http.listen(0, "127.0.0.1");
    const slow = createMattermostBot({ config: m.h.config.mattermost!, ack: m.ack, log: m.h.labops.log, http, ackBudgetMs: 0 });
    await slow.start();
    m.fake.labopsUrl = url;
    try {
      const r = await m.fake.type(m.olga, "ops", "/labops status");
      expect(r.status).toBe(200);
      expect(String(r.post?.message)).toContain("labops is slow to answer");
      const late = await until(() => m.fake.ephemerals(m.olga.id).find((p) => p.post.id !== r.post!.id && Number(p.post.create_at) >= Number(r.post!.create_at) && String(p.post.message).includes("labops status")));
      expect(late.post.channel_id).toBe(ops);
    } finally {
      m.fake.labopsUrl = m.labopsUrl;
      await slow.stop();
      await http.close();
    }
  });

  it("buttons on a post the worker made (the cleanup preview) come back signed for its channel and stay bound to the admin who asked", async () => {
    const ada = m.fake.user("ada");
    m.h.config.permissions.grants.push({ role: "admin", mattermostUsers: [ada.id], slackUsers: [], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
    const since = Date.now();
    const r = await m.fake.type(ada, "ops", "/labops cleanup-ocp");
    expect(String(r.post?.message)).toMatch(/queued as job/);
    const preview = await until(() => m.fake.posts(ops).find((p) => p.post.user_id === m.fake.bot.id && Number(p.history[0]!.create_at) >= since && actions(p.post).length === 2));
    expect(actions(preview.post).map((a) => a.name)).toEqual(["Confirm", "Cancel"]);
    const foreign = await m.fake.click(m.olga, String(preview.post.id), "Confirm");
    expect(String(foreign.ephemeral?.message)).toMatch(/Only ada can use this button|needs the admin role/);
    const cancel = await m.fake.click(ada, String(preview.post.id), "Cancel");
    expect(cancel.status).toBe(200);
    expect(String(cancel.post?.message)).toContain("Canceled by ada");
    expect(actions(cancel.post)).toHaveLength(0);
    // The Confirm of that preview is gone with it.
    const late = await postAction(clickBody(preview.history[preview.history.length - 2] ?? preview.history[0]!, ada));
    expect(String(late.answer.ephemeral_text)).toContain("expired or was already used");
  });
});
