import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AlertStore } from "../../src/alerts/alert-store.ts";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { isFinalState, renderText } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";

const TOKEN = "alert-webhook-secret-9a8b7c6d";
const ALERTS: ChannelRef = { platform: "slack", channel: "C0ALERTS" };
const OPS: ChannelRef = { platform: "slack", channel: "C0OPS" };
const VIEWER: Actor = { platform: "slack", id: "U0VIEW", name: "vera", groups: [] };
const OPERATOR: Actor = { platform: "slack", id: "U0OPER", name: "otto", groups: [] };
const ADMIN: Actor = { platform: "slack", id: "U0ADMN", name: "ada", groups: [] };

describe("maintenance: /labops alerts mute <scope> for 2h, /labops alerts list, unmute, and cron windows from the settings", () => {
  let h: Harness;
  let server: HttpServer;
  let alerting: Alerting;
  const last = (m: Recorded) => m.history.at(-1)!;
  const run = (line: string, actor = OPERATOR) => {
    const [root = "", ...rest] = line.replace(/^\//, "").split(" ");
    return dispatchCommand(h.labops.ack, { root, text: rest.join(" "), actor, channel: OPS, requestId: randomUUID() });
  };
  const seen = new Set<string>();
  /** The final message of a quick job, found by its title once the job has finished. */
  const answer = async (line: string, title: RegExp, actor = OPERATOR) => {
    const ack = await run(line, actor);
    // A read-only answer (/labops alerts list) comes at acknowledgement, privately, in one message.
    if (!ack.jobId && ack.ephemeral && title.test(ack.title)) return ack;
    expect(ack.jobId, renderText(ack)).toBeDefined();
    await waitUntil(async () => (await h.labops.queue.queue.getJob(ack.jobId!))?.finishedOn, 20_000, line);
    const rec = await h.notifier.waitFor((m) => title.test(last(m).title) && isFinalState(last(m).state) && !seen.has(m.ref.messageId)).catch((e) => {
      console.log(line, [...h.notifier.messages.values()].slice(-4).map((m) => JSON.stringify(last(m))));
      throw e;
    });
    seen.add(rec.ref.messageId);
    return last(rec);
  };
  const alertsFor = (id: number) => [...h.notifier.messages.values()].filter((m) => m.ref.channel === ALERTS.channel && m.history[0]!.title.startsWith(`AAP job ${id} `));
  /** A /deploy of `app` whose Master Deploy job fails on docker02; resolves once the alert path has handled it. */
  async function failDeploy(app: string): Promise<number> {
    h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503 and not [200]" });
    const before = h.lab.aap.launches().length;
    const ack = await run(`/deploy ${app}`);
    expect(ack.state, renderText(ack)).toBe("queued");
    await waitUntil(() => h.lab.aap.launches().length > before, 10_000);
    const id = h.lab.aap.launches()[before]!.jobId;
    await waitUntil(() => h.logs.lines.some((l) => l.includes(`"alert":"aap:${id}"`) && /alert (muted|posted|grouped)/.test(l)), 20_000, `the alert path of AAP job ${id}`).catch((e) => {
      console.log(h.logs.lines.filter((l) => l.includes("alert")).slice(-8).join("\n"));
      throw e;
    });
    await alerting.settled();
    return id;
  }

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    const base = await server.listen(0, "127.0.0.1");
    h = await createHarness({
      lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } },
      onJobFailed: (info) => alerting.onJobFailed(info),
      tweak: (c) => {
        c.gitops.enabled = false;
        c.permissions.grants.push({ role: "viewer", slackUsers: [VIEWER.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
        c.permissions.grants.push({ role: "operator", slackUsers: [OPERATOR.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
        c.permissions.grants.push({ role: "admin", slackUsers: [ADMIN.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, commands: h.labops.ack.commands, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000, webhookToken: TOKEN,
      groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  it("refuses a bad scope or window, and muting needs operator", async () => {
    expect(renderText(await run("/labops alerts mute traefik for 2h"))).toContain("app:<name>, host:<name> or template:<name>");
    expect(renderText(await run("/labops alerts mute app:traefik for 9d"))).toContain("from 1m to 7d");
    expect(renderText(await run("/labops alerts mute app:traefik for 2h", VIEWER))).toContain("needs the operator role");
  });

  it("an app mute silences that app's failure alert, /labops alerts lists it with its expiry, and unmute ends it", async () => {
    const muted = await answer("/labops alerts mute app:jellyfin for 2h", /^Alerts for app:jellyfin muted/);
    expect(muted.title).toBe("Alerts for app:jellyfin muted for 2 h by otto");
    const id = /Mute `(m[0-9a-f]{6})`/.exec(renderText(muted))![1]!;
    const list = await answer("/labops alerts list", /^Alert mutes/, VIEWER);
    expect(renderText(list)).toMatch(new RegExp(`\`${id}\` · \`app:jellyfin\` · by otto · until \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC \\((1\\d\\d|120) min left\\)`));

    const silenced = await failDeploy("jellyfin");
    expect(alertsFor(silenced)).toEqual([]);
    expect(h.logs.lines.some((l) => l.includes(`"alert":"aap:${silenced}"`) && l.includes('"scope":"app:jellyfin"') && l.includes("alert muted"))).toBe(true);

    // Another app on the same template and host is not muted.
    const other = await failDeploy("vaultwarden");
    expect(alertsFor(other).length).toBe(1);
    expect(renderText(last(alertsFor(other)[0]!))).toContain(`job ${silenced}`); // the muted failure is listed with the next alert of its template

    await answer(`/labops alerts unmute ${id}`, /^Alerts for app:jellyfin unmuted/);
    expect(renderText(await answer("/labops alerts list", /^Alert mutes/, VIEWER))).toContain("No alerts are muted now.");
    const after = await failDeploy("jellyfin");
    expect(alertsFor(after).length).toBe(1);
  }, 90_000);

  it("muting or unmuting an admin template's alerts needs admin, as its Mute button; an operator's host mute does not hide an admin command's alerts", async () => {
    const cleanup = h.config.aapSettings.templates.cleanup;
    const failed = async (line: string, actor: Actor) => {
      const ack = await run(line, actor);
      expect(ack.jobId, renderText(ack)).toBeDefined();
      await waitUntil(async () => (await h.labops.queue.queue.getJob(ack.jobId!))?.finishedOn, 20_000, line);
      const job = (await h.labops.queue.queue.getJob(ack.jobId!))!;
      expect(await job.getState()).toBe("failed");
      return String(job.failedReason);
    };
    const store = new AlertStore(h.labops.redis, h.config.redis.prefix, { dedupeTtlMs: 60_000, staleClaimMs: 60_000 });

    // Refused at acknowledgement, nothing queued.
    const refused = await run(`/labops alerts mute "template:${cleanup}" for 2h`, OPERATOR);
    expect(refused.jobId).toBeUndefined();
    expect(renderText(refused)).toContain(`Muting the alerts of \`template:${cleanup}\` needs the admin role`);
    expect(await store.mutedFor(`aap:${cleanup}`)).toBeUndefined();
    const muted = await answer(`/labops alerts mute "template:${cleanup}" for 2h`, new RegExp(`^Alerts for template:${cleanup} muted`), ADMIN);
    const id = /Mute `(m[0-9a-f]{6})`/.exec(renderText(muted))![1]!;
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toMatchObject({ scope: `template:${cleanup}`, by: "ada" });
    // By id, the scope is known only in Redis: the worker refuses. By scope, the acknowledgement does.
    expect(await failed(`/labops alerts unmute ${id}`, OPERATOR)).toContain("needs the admin role");
    const byScope = await run(`/labops alerts unmute "template:${cleanup}"`, OPERATOR);
    expect(byScope.jobId).toBeUndefined();
    expect(renderText(byScope)).toContain("needs the admin role");
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toBeDefined();
    await waitUntil(async () => (await h.labops.ack.audit.recent({ limit: 50 })).some((e) => e.event === "refused" && e.command === "alerts unmute" && e.actor === "slack:U0OPER"), 10_000, "the refusal audited");
    await answer(`/labops alerts unmute ${id}`, new RegExp(`^Alerts for template:${cleanup} unmuted`), ADMIN);

    // The worker checks again against the grants in force: a mute queued by someone whose role is since gone does nothing.
    const direct = await h.labops.queue.enqueue("alerts.mute", {
      command: "alerts mute", args: { scope: `template:${cleanup}`, window: 3_600_000 }, actor: OPERATOR, channel: OPS, requestId: randomUUID(), requires: "admin", enqueuedAt: Date.now(),
    });
    await waitUntil(async () => (await h.labops.queue.queue.getJob(direct.jobId))?.finishedOn, 20_000, "the direct mute job");
    expect(String((await h.labops.queue.queue.getJob(direct.jobId))!.failedReason)).toContain("needs the admin role");
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toBeUndefined();
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toBeUndefined();
    // So does the Mute button's job: an operator's alert.mute of the cleanup template's group is refused there.
    const button = async (actor: Actor) => {
      const j = await h.labops.queue.enqueue("alert.mute", {
        command: "alert mute", args: { group: `aap:${cleanup}`, subject: cleanup, ms: 60_000 }, actor, channel: OPS, requestId: randomUUID(), requires: "operator", enqueuedAt: Date.now(),
      });
      await waitUntil(async () => (await h.labops.queue.queue.getJob(j.jobId))?.finishedOn, 20_000, "the button's mute job");
      return (await h.labops.queue.queue.getJob(j.jobId))!;
    };
    expect(String((await button(OPERATOR)).failedReason)).toContain("needs the admin role");
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toBeUndefined();
    expect(await (await button(ADMIN)).getState()).toBe("completed");
    expect(await store.mutedFor(`aap:${cleanup}`, [], "admin")).toMatchObject({ scope: `aap:${cleanup}`, by: "ada" });
    await h.labops.redis.del(store.muteKey(`aap:${cleanup}`));

    // An operator template's scope stays the operator's.
    const deploy = h.config.aapSettings.templates.deploy;
    await answer(`/labops alerts unmute ${/Mute `(m[0-9a-f]{6})`/.exec(renderText(await answer(`/labops alerts mute "template:${deploy}" for 1h`, /^Alerts for template:.* muted/)))![1]!}`, /^Alerts for template:.* unmuted/);

    // host: needs operator, and the mute carries the muter's role: it silences a deploy's alert on the host, not a cleanup's.
    const host = await answer("/labops alerts mute host:docker07 for 1h", /^Alerts for host:docker07 muted/);
    expect(await store.mutedFor(`aap:${deploy}`, ["host:docker07"], "operator")).toMatchObject({ scope: "host:docker07", role: "operator" });
    expect(await store.mutedFor(`aap:${cleanup}`, ["host:docker07"], "admin")).toBeUndefined();
    await answer(`/labops alerts unmute ${/Mute `(m[0-9a-f]{6})`/.exec(renderText(host))![1]!}`, /^Alerts for host:docker07 unmuted/);
    const byAdmin = await answer("/labops alerts mute host:docker07 for 1h", /^Alerts for host:docker07 muted/, ADMIN);
    expect(await store.mutedFor(`aap:${cleanup}`, ["host:docker07"], "admin")).toMatchObject({ scope: "host:docker07", role: "admin" });
    await answer(`/labops alerts unmute ${/Mute `(m[0-9a-f]{6})`/.exec(renderText(byAdmin))![1]!}`, /^Alerts for host:docker07 unmuted/, ADMIN);
  }, 90_000);

  it("a maintenance window from the settings silences a host while it is open, and /labops alerts says so", async () => {
    h.config.alerts.maintenance.push({ scope: "host:docker02", cron: "* * * * *", duration: 120_000, tz: "Europe/Berlin" });
    try {
      const list = await answer("/labops alerts list", /^Alert mutes/, VIEWER);
      expect(renderText(list)).toContain("`host:docker02` · maintenance window `* * * * * (Europe/Berlin)` · until");
      expect(renderText(list)).toContain("window `host:docker02`: 2 min from each `* * * * *` (Europe/Berlin)");
      const id = await failDeploy("vaultwarden");
      expect(alertsFor(id)).toEqual([]);
      expect(h.logs.lines.some((l) => l.includes(`"alert":"aap:${id}"`) && l.includes('"mutedBy":"maintenance window"'))).toBe(true);
    } finally {
      h.config.alerts.maintenance.length = 0;
    }
    // A window that closed an hour ago silences nothing.
    h.config.alerts.maintenance.push({ scope: "host:docker02", cron: `${new Date(Date.now() - 3_600_000).getUTCMinutes()} ${new Date(Date.now() - 3_600_000).getUTCHours()} * * *`, duration: 60_000, tz: "UTC" });
    try {
      const id = await failDeploy("vaultwarden");
      expect(alertsFor(id).length).toBe(1);
    } finally {
      h.config.alerts.maintenance.length = 0;
    }
  }, 90_000);
});
