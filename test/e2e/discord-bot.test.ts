import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { STATE_COLOURS } from "../../src/bot/discord/embeds.ts";
import { registerCommandsMain } from "../../src/bot/discord/register-commands.ts";
import type { Obj } from "../../lab/discord/objects.ts";
import { createDiscordHarness, type DiscordHarness } from "../helpers/discord-harness.ts";
import { approvalPollerFor, launchApproval } from "../helpers/approval-helpers.ts";

/**
 * The Discord front end end to end: the real discord.js against the fake Discord (REST + gateway), with
 * the simulated lab, labops on real Redis and its worker. Time is compressed: the channel bucket is
 * 5 per 200 ms (Discord: 5 per 5 s), the bot's throttle 4 per 200 ms and 1 edit per message per 80 ms.
 */
const WINDOW_MS = 200;
const THROTTLE = { perMessageMs: 80, capacity: 1, refillMs: WINDOW_MS / 4 };

let d: DiscordHarness;
let ops: string;

beforeAll(async () => {
  d = await createDiscordHarness({ fake: { heartbeatIntervalMs: 1_000, channelLimit: { limit: 5, windowMs: WINDOW_MS } }, throttle: THROTTLE, harness: { worker: { lockRetryMs: 200 } } });
  ops = d.fake.channel("ops");
}, 30_000);

afterAll(async () => {
  await d?.close();
});

const embed = (m: Obj | undefined) => ((m?.embeds as Obj[] | undefined) ?? [])[0] ?? {};
const text = (m: Obj | undefined) => `${String(embed(m).title ?? "")}\n${String(embed(m).description ?? "")}`;
const buttons = (m: Obj | undefined) => ((m?.components as Obj[] | undefined) ?? []).flatMap((r) => (r.components as Obj[]) ?? []);
const FINAL = new Set([STATE_COLOURS.success, STATE_COLOURS.failure, STATE_COLOURS.canceled]);

/** The channel progress message of a job (its first state names the job id). */
function jobMessage(jobId: string) {
  return d.fake.messages(ops).find((m) => m.via === "channel" && m.history.some((h) => text(h).includes(`Job \`${jobId}\``)));
}

async function until<T>(fn: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function finalOf(jobId: string, timeoutMs = 15_000) {
  try {
    return await until(() => {
      const m = jobMessage(jobId);
      return m && FINAL.has(Number(embed(m.object).color)) ? m : undefined;
    }, timeoutMs);
  } catch {
    // Say where it stopped: the job's state in the queue, its message's states, the last warnings.
    const job = await d.h.labops.queue.queue.getJob(jobId);
    const states = jobMessage(jobId)?.history.map((h) => String(embed(h).title));
    const warnings = d.h.logs.lines.filter((l) => /"level":(40|50)/.test(l)).slice(-10);
    throw new Error(`no final for job ${jobId}: queue state ${String(await job?.getState())}, message states ${JSON.stringify(states)}\n${warnings.join("\n")}`);
  }
}

/** Runs a slash command and returns the job id from the edited deferred reply. */
async function slashJob(name: string, options: Record<string, string | number | boolean>, opts: { user?: string; retries?: number } = {}) {
  for (let attempt = 0; ; attempt++) {
    const r = await d.fake.slash(name, options, { user: opts.user ?? "alice", roles: [d.operators] });
    const reply = await until(() => {
      const m = d.fake.message(r.messageId!)?.object;
      return m && embed(m).title ? m : undefined;
    });
    const jobId = /job `([0-9a-f]+)`/.exec(text(reply))?.[1];
    if (jobId) return { r, reply, jobId, attempts: attempt + 1 };
    // The ack path fails fast (1 s) when Redis is slow to answer, and says "try again": a person would.
    if (attempt >= (opts.retries ?? 0) || !text(reply).includes("queue is unavailable")) throw new Error(`no job queued: ${text(reply)}`);
  }
}

describe("Discord front end through discord.js and the fake Discord", () => {
  it("registers the guild commands at start, generated from the zod args", () => {
    const put = d.fake.calls.find((c) => c.method === "PUT" && /\/guilds\/\d+\/commands$/.test(c.path));
    expect(put).toMatchObject({ status: 200, auth: `Bot ${d.fake.token}` });
    const deploy = d.fake.commands.find((c) => c.name === "deploy")!;
    // The app is optional: `--all-on <host>` may name the apps instead (a /deploy with neither is refused at acknowledgement).
    expect(deploy.options).toMatchObject([
      { type: 3, name: "app", description: "App name from app_list", required: false, autocomplete: true },
      { type: 3, name: "apps", required: false },
      { type: 5, name: "check", description: "Dry run (Ansible check mode)", required: false },
      { type: 3, name: "host", description: "Deploy on this Docker host: the app's own, or one of its alternate_hosts", required: false, autocomplete: true },
      { type: 5, name: "allow-elevated", description: "Admin only: allow the entry's privileged mode, capabilities, host namespaces or devices", required: false },
      { type: 3, name: "all-on", required: false, autocomplete: true },
    ]);
    expect((deploy.options as Obj[]).map((o) => o.name)).toEqual(["app", "apps", "check", "host", "allow-elevated", "all-on"]);
    const labtest = d.fake.commands.find((c) => c.name === "labtest")!;
    const [create, status] = labtest.options as Obj[];
    expect(create).toMatchObject({ type: 1, name: "create" });
    expect(status).toMatchObject({ type: 1, name: "status", options: [] });
    const byName = Object.fromEntries((create!.options as Obj[]).map((o) => [o.name, o]));
    expect(byName.name).toMatchObject({ type: 3, required: true });
    expect(byName.node).toMatchObject({ type: 3, autocomplete: true });
    expect(byName.cores).toMatchObject({ type: 4, required: false });
    expect(byName.ratio).toMatchObject({ type: 10 });
    expect(byName.kind).toMatchObject({ type: 3, choices: [{ name: "lxc", value: "lxc" }, { name: "vm", value: "vm" }] });
    expect(byName["dry-run"]).toMatchObject({ type: 5 });
    expect(String(byName.tags!.description)).toContain("several");
    expect(d.fake.gateway.identifies).toBe(1);
    expect(d.fake.gateway.frames.some((f) => f.dir === "in" && f.op === 2 && (f.d as Obj).compress === false)).toBe(true);
  });

  it("/deploy traefik: defers within 3 s, edits one channel message in place, ends green with the AAP job id", async () => {
    const { r, reply, jobId } = await slashJob("deploy", { app: "traefik" });
    expect(r.callback).toEqual({ type: 5, data: { flags: 64 } });
    expect(r.latencyMs).toBeLessThan(3_000);
    expect(String(embed(reply).title)).toContain(`queued as job \`${jobId}\``);
    const final = await finalOf(jobId);
    expect(embed(final.object).color).toBe(STATE_COLOURS.success);
    expect(String(embed(final.object).title)).toMatch(/^✅ Deploy traefik → edge01: successful/);
    const aapJob = /AAP job (\d+) successful/.exec(text(final.object))?.[1];
    expect(aapJob).toBeDefined();
    expect(embed(final.object).url).toMatch(new RegExp(`/jobs/playbook/${aapJob}/`));
    expect(final.history.length).toBeGreaterThanOrEqual(2); // posted, then edited in place
    expect(d.fake.messages(ops).filter((m) => m.via === "channel" && m.history.some((h) => text(h).includes(`Job \`${jobId}\``)))).toHaveLength(1);
    const mid = String(final.object.id);
    const edits = d.fake.calls.filter((c) => c.path.endsWith(`/channels/${ops}/messages/${mid}`));
    expect(edits.every((c) => c.method === "PATCH" && c.auth === `Bot ${d.fake.token}` && c.status === 200)).toBe(true);
    // interaction routes carry no Authorization header
    const tokenCalls = d.fake.calls.filter((c) => c.path.includes(r.token));
    expect(tokenCalls.map((c) => `${c.method} ${c.status}`)).toEqual(["POST 204", "PATCH 200"]);
    expect(tokenCalls.every((c) => c.auth === undefined)).toBe(true);
    console.log(`[figures] /deploy defer latency ${r.latencyMs} ms; channel message calls for the job: ${edits.length + 1}`);
  });

  it("autocompletes app from the catalog cache and node from the nodes source", async () => {
    const apps = await d.fake.autocomplete("deploy", "app", "tr", { roles: [d.operators] });
    expect(apps.callback.type).toBe(8);
    expect(apps.callback.data?.choices).toEqual([{ name: "traefik", value: "traefik" }]);
    const all = await d.fake.autocomplete("deploy", "app", "");
    expect((all.callback.data?.choices as Obj[]).map((c) => c.value)).toEqual(expect.arrayContaining(["traefik", "grafana", "jellyfin"]));
    const nodes = await d.fake.autocomplete("labtest create", "node", "PVE0");
    expect((nodes.callback.data?.choices as Obj[]).map((c) => c.value)).toEqual(["pve01", "pve02", "pve03"]);
    expect(Math.max(apps.latencyMs, all.latencyMs, nodes.latencyMs)).toBeLessThan(3_000);
  });

  it("passes typed subcommand options through to dispatch", async () => {
    const r = await d.fake.slash("labtest create", { name: "x1", cores: 4, ratio: 0.5, kind: "vm", tags: "a, b c", "dry-run": true }, { roles: [d.operators] });
    const reply = await until(() => (embed(d.fake.message(r.messageId!)?.object).description ? d.fake.message(r.messageId!)!.object : undefined));
    expect(JSON.parse(String(embed(reply).description))).toEqual({ name: "x1", cores: 4, ratio: 0.5, kind: "vm", tags: ["a", "b", "c"], dryRun: true });
  });

  it("refuses a user without the operator role, privately", async () => {
    const r = await d.fake.slash("deploy", { app: "grafana" }, { user: "mallory" });
    const reply = await until(() => (embed(d.fake.message(r.messageId!)?.object).title ? d.fake.message(r.messageId!)!.object : undefined));
    expect(Number(reply.flags) & 64).toBe(64);
    expect(text(reply)).toContain("needs the operator role");
    expect(embed(reply).color).toBe(STATE_COLOURS.failure);
  });

  it("confirmation buttons: another user is refused, the asker's click edits the message and queues the job", async () => {
    const r = await d.fake.slash("redeploy", { app: "grafana" }, { user: "alice", roles: [d.operators] });
    expect(r.callback.type).toBe(5);
    expect(Number(r.callback.data?.flags ?? 0) & 64).toBe(0); // public: the channel sees what is about to happen
    const ask = await until(() => (buttons(d.fake.message(r.messageId!)?.object).length ? d.fake.message(r.messageId!)!.object : undefined));
    const [confirm, cancel] = buttons(ask);
    expect(confirm).toMatchObject({ label: "Redeploy", style: 4 });
    expect(cancel).toMatchObject({ label: "Cancel", style: 2 });
    expect(embed(ask).color).toBe(STATE_COLOURS.warning);

    const foreign = await d.fake.click(String(confirm!.custom_id), r.messageId!, { user: "bob", roles: [d.operators] });
    expect(foreign.callback.type).toBe(6);
    const refusal = await until(() => d.fake.messages(ops).find((m) => m.via === "followup" && text(m.object).includes("Only alice")));
    expect(Number(refusal.object.flags) & 64).toBe(64);
    expect(buttons(d.fake.message(r.messageId!)!.object)).toHaveLength(2); // untouched

    const own = await d.fake.click(String(confirm!.custom_id), r.messageId!, { user: "alice", roles: [d.operators] });
    expect(own.callback.type).toBe(6);
    expect(own.latencyMs).toBeLessThan(3_000);
    const updated = await until(() => (text(d.fake.message(r.messageId!)?.object).includes("confirmed by alice") ? d.fake.message(r.messageId!)!.object : undefined));
    expect(buttons(updated)).toHaveLength(0);
    const jobId = /job `([0-9a-f]+)`/.exec(text(updated))?.[1];
    expect(jobId).toBeDefined();
    const queued = await until(() => d.fake.messages(ops).find((m) => m.via === "followup" && text(m.object).includes(`queued as job \`${jobId}\``)));
    expect(Number(queued.object.flags) & 64).toBe(64);
    expect(embed((await finalOf(jobId!)).object).color).toBe(STATE_COLOURS.success);
  });

  it("an AAP workflow approval: Approve / Deny posted; a member without the role is refused, an operator denies and the message says so", async () => {
    const { approval } = await launchApproval(d.h.labops, d.h.lab);
    expect((await approvalPollerFor(d.h.labops, { platform: "discord", channel: ops }).pollOnce({ force: true })).posted).toBe(1);
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

  it("survives a gateway drop (close 4000) mid-job: resumes, replays a missed interaction, delivers the final", async () => {
    const { jobId } = await slashJob("deploy", { app: "jellyfin" });
    const seqBefore = Math.max(...d.fake.gateway.frames.filter((f) => f.dir === "out" && f.s !== undefined).map((f) => f.s!));
    d.fake.gateway.close(4000);
    const missed = d.fake.autocomplete("deploy", "app", "graf"); // dispatched while disconnected: replayed on RESUME
    await d.fake.gateway.whenConnected();
    const resume = d.fake.gateway.frames.find((f) => f.dir === "in" && f.op === 6);
    expect(resume?.d).toMatchObject({ seq: seqBefore });
    expect(d.fake.gateway.frames.some((f) => f.dir === "out" && f.t === "RESUMED")).toBe(true);
    expect(d.fake.gateway.identifies).toBe(1);
    const answered = await missed;
    expect(answered.callback.data?.choices).toEqual([{ name: "grafana", value: "grafana" }]);
    expect(embed((await finalOf(jobId)).object).color).toBe(STATE_COLOURS.success);
    console.log(`[figures] resume: replayed interaction answered ${answered.latencyMs} ms after dispatch`);
  });

  it("keeps editing past the interaction token's lifetime: the final goes to the channel message with the bot token", async () => {
    d.fake.tokenLifetimeMs = 150;
    try {
      const { r, jobId } = await slashJob("deploy", { app: "uptime-kuma" });
      const created = d.fake.calls.find((c) => c.path.includes(r.token))!.at;
      const final = await finalOf(jobId);
      const lastEdit = d.fake.calls.filter((c) => c.path.endsWith(`/messages/${String(final.object.id)}`)).at(-1)!;
      expect(lastEdit.at - created).toBeGreaterThan(150);
      expect(lastEdit.auth).toBe(`Bot ${d.fake.token}`);
      expect(embed(final.object).color).toBe(STATE_COLOURS.success);
      // the interaction token is dead by now, and the bot never tried it
      const res = await fetch(`${d.fake.apiUrl}/v10/webhooks/${d.fake.appId}/${r.token}/messages/%40original`, { method: "PATCH", headers: { "content-type": "application/json" }, body: "{}" });
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ code: 50027 });
      expect(d.fake.calls.filter((c) => c.status === 401 && c.path.includes(r.token))).toHaveLength(1); // only ours
    } finally {
      d.fake.tokenLifetimeMs = 15 * 60_000;
    }
  });

  it("429 storm: 20 concurrent jobs in one channel, every final delivered, no request over the bucket", async () => {
    const apps = ["traefik", "portainer", "grafana", "uptime-kuma", "jellyfin", "vaultwarden", "nextcloud"];
    const t0 = Date.now();
    const overBefore = d.fake.stats.overLimit;
    const invalidBefore = d.fake.stats.invalid;
    const injectedBefore = d.fake.stats.injected429;
    const rlBefore = d.bot.notifier.stats.rateLimited;
    const channelRoute = /^\/api\/v10\/channels\/\d+\/messages/;
    d.fake.inject429({ path: channelRoute, times: 4, retryAfterMs: 150 });
    const storm = setInterval(() => d.fake.inject429({ path: channelRoute, times: 1, retryAfterMs: 100 }), 400);
    try {
      const started = await Promise.all(Array.from({ length: 20 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i * 10));
        return slashJob("deploy", { app: apps[i % apps.length]! }, { retries: 2 });
      }));
      expect(started.every((s) => s.r.latencyMs < 3_000)).toBe(true);
      const finals = await Promise.all(started.map((s) => finalOf(s.jobId, 40_000)));
      expect(finals).toHaveLength(20);
      expect(new Set(finals.map((f) => String(f.object.id))).size).toBe(20); // one message per job
      expect(finals.filter((f) => embed(f.object).color === STATE_COLOURS.failure)).toHaveLength(started.filter((_, i) => apps[i % apps.length] === "nextcloud").length);
      const injected = d.fake.stats.injected429 - injectedBefore;
      expect(injected).toBeGreaterThanOrEqual(4);
      expect(d.fake.stats.overLimit - overBefore).toBe(0);
      expect(d.fake.stats.invalid - invalidBefore).toBe(0); // injected 429s are shared-scope
      expect(d.bot.notifier.stats.rateLimited - rlBefore).toBeGreaterThanOrEqual(injected);

      // R2, compressed: at most 4 channel-message requests in any window (less 20 ms for arrival jitter), and edits of
      // one message spaced by the per-message interval
      const calls = d.fake.calls.filter((c) => c.at >= t0 && channelRoute.test(c.path));
      const times = calls.map((c) => c.at).sort((a, b) => a - b);
      let maxInWindow = 0;
      for (let i = 0; i < times.length; i++) maxInWindow = Math.max(maxInWindow, times.filter((t) => t >= times[i]! && t < times[i]! + WINDOW_MS - 20).length);
      expect(maxInWindow).toBeLessThanOrEqual(4);
      const perMessage = new Map<string, number[]>();
      for (const c of calls.filter((c) => c.method === "PATCH" && c.status === 200)) perMessage.set(c.path, [...(perMessage.get(c.path) ?? []), c.at]);
      const gaps = [...perMessage.values()].flatMap((ts) => ts.slice(1).map((t, i) => t - ts[i]!));
      expect(Math.min(...gaps)).toBeGreaterThanOrEqual(THROTTLE.perMessageMs - 20);
      console.log(`[figures] storm: ${calls.length} channel-message requests in ${Date.now() - t0} ms, ${injected} injected 429s surfaced as ` +
        `${d.bot.notifier.stats.rateLimited - rlBefore} RateLimitedError, ${d.bot.notifier.stats.coalesced} coalesced edits, max ${maxInWindow}/window, ` +
        `min per-message gap ${Math.min(...gaps)} ms, over-limit ${d.fake.stats.overLimit - overBefore}, max defer ${Math.max(...started.map((s) => s.r.latencyMs))} ms, ` +
        `commands retried after "queue unavailable": ${started.filter((s) => s.attempts > 1).length}`);
    } finally {
      clearInterval(storm);
    }
  }, 50_000);

  it("npm run register-commands: registers the guild commands over REST and exits", async () => {
    const before = d.fake.count("PUT", /\/commands$/);
    const lines: string[] = [];
    const names = await registerCommandsMain({ ...d.fake.env, LABOPS_CONFIG: "/dev/null" }, (l) => lines.push(l));
    expect(d.fake.count("PUT", /\/commands$/)).toBe(before + 1);
    expect(names).toContain("deploy");
    expect(lines[0]).toMatch(/^registered \d+ guild commands/);
  });
});
