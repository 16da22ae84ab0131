import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { SEED_OCP } from "../../lab/truenas/zfs-seed.ts";
import { createLogger } from "../../src/logger.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { button, click as clickAs, exists, fsImage, mutatingCalls, runPreview, SHARE } from "../integration/cleanup-helpers.ts";

const TOKEN = "alert-webhook-secret-77c1d2e9";
const ALERTS: ChannelRef = { platform: "slack", channel: "C0ALERTS" };
const VIEWER: Actor = { platform: "slack", id: "U0VIEWER", name: "vera", groups: [] };
const OPERATOR: Actor = { platform: "slack", id: "U0OPER", name: "otto", groups: [] };
const ADMIN: Actor = { platform: "slack", id: "U0ADMIN", name: "ada", groups: [] };

/**
 * Finding: "Relaunch failed hosts" was offered for any failed AAP job and needed only operator, so an operator
 * re-ran an admin's confirmed cleanup (the folders were deleted again: no confirmation, no snapshot, no lock).
 */
describe("alerts never let a role do more than its commands: a failed cleanup is not relaunched", () => {
  let h: Harness;
  let server: HttpServer;
  let alerting: Alerting;

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    const base = await server.listen(0, "127.0.0.1");
    h = await createHarness({
      env: { LABOPS_ADMINS: `slack:${ADMIN.id}` },
      lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } },
      tweak: (c) => {
        c.permissions.grants.push({ role: "viewer", slackUsers: [VIEWER.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
        c.permissions.grants.push({ role: "operator", slackUsers: [OPERATOR.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, commands: h.labops.ack.commands, aap: h.labops.clients.aap, channels: [ALERTS], pollIntervalMs: 60_000,
      webhookToken: TOKEN, groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  const click = (alert: Message, label: string, actor: Actor) => {
    const b = alert.buttons?.find((x) => x.label === label);
    if (!b) throw new Error(`no ${label} button on "${alert.title}"`);
    return dispatchAction(h.labops.ack, { actionId: b.id, actor, channel: ALERTS, requestId: randomUUID() });
  };
  const cleanupLaunches = () => h.lab.aap.launches().filter((l) => l.templateName === "Cleanup OCP Folders");
  const relaunchPosts = () => h.lab.aap.http.count("POST", /^\/api\/v2\/jobs\/\d+\/relaunch\/$/);

  it("offers Run /cleanup-ocp again (admin, a fresh preview) instead of Relaunch; an operator can neither relaunch nor re-run it", async () => {
    // An admin's confirmed cleanup whose AAP folder removal fails on the TrueNAS host: the plain folders stay.
    h.lab.aap.failNextJob("Cleanup OCP Folders", { host: "truenas01", task: "Delete folders", msg: "Device or resource busy" });
    const { msg } = await runPreview(h, "/cleanup-ocp");
    const confirmed = await clickAs(h, button(msg, "Confirm"));
    const final = await h.notifier.final(confirmed.reply!.jobId!);
    expect(final.state, renderText(final)).toBe("failure");
    expect(cleanupLaunches()).toHaveLength(1);
    const aapJob = cleanupLaunches()[0]!.jobId;
    for (const n of SEED_OCP.plain) expect(exists(h, `${SHARE}/${n}`)).toBe(true);

    const alert = (await h.notifier.waitFor((m) => m.ref.channel === ALERTS.channel && m.history[0]!.title.startsWith(`AAP job ${aapJob} `), 10_000)).history.at(-1)!;
    expect(renderText(alert)).toContain("failed hosts: truenas01");
    expect(alert.buttons?.map((b) => b.label)).toEqual(["Show log", "Run /cleanup-ocp again", "Mute 1h"]);

    const before = { image: fsImage(h.lab.truenas.fs), mutating: mutatingCalls(h).length, launches: cleanupLaunches().length, jobs: await h.labops.queue.queue.count() };
    for (const who of [OPERATOR, VIEWER]) {
      const refused = await click(alert, "Run /cleanup-ocp again", who);
      expect(refused.reply?.state).toBe("failure");
      expect(renderText(refused.reply!)).toContain("needs the admin role");
    }
    // Nor hide the cleanup's failures: muting them needs admin too.
    expect(renderText((await click(alert, "Mute 1h", OPERATOR)).reply!)).toContain("needs the admin role");
    expect(await h.labops.queue.queue.count()).toBe(before.jobs);

    // Even a relaunch job queued by hand (as a stale or forged button would) is refused where it takes effect.
    const { jobId } = await h.labops.queue.enqueue("aap.relaunch", {
      command: "alert relaunch", args: { aapJob, template: "Cleanup OCP Folders", command: "cleanup-ocp" }, actor: OPERATOR, channel: ALERTS,
      requestId: randomUUID(), requires: "operator", enqueuedAt: Date.now(),
    });
    const forged = await h.notifier.final(jobId);
    expect(forged.state).toBe("failure");
    expect(renderText(forged)).toContain("which is not relaunched from an alert; run `/cleanup-ocp` again instead");

    // An admin's click is /cleanup-ocp typed anew: a preview with its own Confirm bound to that admin; nothing deleted.
    const again = await click(alert, "Run /cleanup-ocp again", ADMIN);
    expect(again.reply?.state).toBe("queued");
    const preview = await h.notifier.waitFor((m) => m.history.some((x) => renderText(x).includes(again.reply!.jobId!)) && Boolean(m.history.at(-1)!.buttons?.length), 10_000);
    expect(preview.history.at(-1)!.buttons?.map((b) => b.label)).toEqual(["Confirm", "Cancel"]);
    const foreignConfirm = await dispatchAction(h.labops.ack, { actionId: button(preview.history.at(-1)!, "Confirm"), actor: OPERATOR, channel: ALERTS, requestId: randomUUID() });
    expect(renderText(foreignConfirm.reply!)).toContain("Only ada can use this button");

    await waitUntil(async () => (await h.labops.queue.queue.getActiveCount()) === 0, 10_000);
    expect(relaunchPosts()).toBe(0);
    expect(cleanupLaunches()).toHaveLength(before.launches);
    expect(mutatingCalls(h)).toHaveLength(before.mutating);
    expect(fsImage(h.lab.truenas.fs)).toEqual(before.image);
    for (const n of SEED_OCP.plain) expect(exists(h, `${SHARE}/${n}`)).toBe(true);
  });
});
