import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import type { ChannelRef } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { waitUntil } from "../helpers/fault-timing.ts";

const TOKEN = "alert-webhook-secret-9d8e7f6a";
const SLACK: ChannelRef = { platform: "slack", channel: "C0ALERTS" };
const DISCORD: ChannelRef = { platform: "discord", channel: "1100000000000000001" };

describe("alert grouping and muting (Slack and Discord alert channels)", () => {
  let h: Harness;
  let server: HttpServer;
  let alerting: Alerting;

  beforeAll(async () => {
    server = new HttpServer(createLogger({ level: "silent" }));
    const base = await server.listen(0, "127.0.0.1");
    h = await createHarness({ lab: { aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${TOKEN}` } } } });
    alerting = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, commands: h.labops.ack.commands, aap: h.labops.clients.aap, channels: [SLACK, DISCORD], pollIntervalMs: 60_000, webhookToken: TOKEN,
      eventWaitMs: 1_000, retryDelaysMs: [20],
    });
    alerting.addRoutes(server);
  });
  afterAll(async () => {
    await alerting?.stop();
    await server?.close();
    await h?.close();
  });

  const aap = () => h.labops.clients.aap!;
  const inChannel = (ch: ChannelRef) => [...h.notifier.messages.values()].filter((m) => m.ref.channel === ch.channel);
  const mentions = (m: Recorded, id: number) => m.history.some((x) => x.title.includes(`${id}`));

  /** A failed Master Deploy job (webhook delivered) and the moment its alert work has settled. */
  async function fail(template = "Master Deploy"): Promise<number> {
    const spec = template === "Master Deploy" ? { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503" } : { task: "Register the runner", msg: "token expired" };
    h.lab.aap.failNextJob(template, spec);
    let jobId: number;
    if (template === "Master Deploy") {
      // Through labops, so the alert offers a relaunch (labops relaunches only what it launched).
      const before = h.lab.aap.launches().length;
      expect((await h.run("/deploy jellyfin")).state).toBe("queued");
      await waitUntil(() => h.lab.aap.launches().length > before);
      jobId = h.lab.aap.launches()[before]!.jobId;
    } else {
      const tpl = await aap().findJobTemplate(template);
      ({ jobId } = await aap().launch(tpl.id, { extra_vars: { app: "whoami" } }));
    }
    await waitUntil(() => h.logs.lines.some((l) => /"msg":"alert (posted|grouped|muted)"/.test(l) && l.includes(`"aap:${jobId}"`)));
    return jobId;
  }

  it("groups 3 failures of one template and app into one message per channel, edited with the count", async () => {
    const ids = [await fail(), await fail(), await fail()];
    for (const ch of [SLACK, DISCORD]) {
      const msgs = inChannel(ch);
      expect(msgs).toHaveLength(1);
      const rec = msgs[0]!;
      expect(rec.history).toHaveLength(3); // posted once, edited twice
      const latest = rec.history.at(-1)!;
      expect(latest.title).toBe(`3 failures of Master Deploy (jellyfin) in the last 10 min: jobs ${ids.join(", ")}`);
      expect(latest.lines?.[0]).toBe(`Latest: AAP job ${ids[2]} failed: Master Deploy`);
      expect(renderText(latest)).toContain(`earlier: job ${ids[0]} (docker02: docker_app : Wait for healthcheck)`);
      expect(latest.footer).toBe(`Buttons act on the latest failure (job ${ids[2]}).`);
    }
    const latest = inChannel(SLACK)[0]!.history.at(-1)!;
    const relaunch = await h.labops.ack.actions.peek(latest.buttons!.find((b) => b.label === "Relaunch failed hosts")!.id);
    expect(relaunch?.payload).toMatchObject({ aapJob: ids[2], template: "Master Deploy", command: "deploy", lockKey: "app:jellyfin" });
    expect(relaunch?.requires).toBe("operator");
  });

  it("keeps another template's failures apart", async () => {
    const id = await fail("Deploy GitHub Runner");
    const own = inChannel(SLACK).filter((m) => mentions(m, id));
    expect(own).toHaveLength(1);
    expect(own[0]!.history[0]!.title).toBe(`AAP job ${id} failed: Deploy GitHub Runner`);
    expect(inChannel(SLACK)).toHaveLength(2);
  });

  it("Mute 1h suppresses the template's alerts; after the mute the next alert lists what was muted", async () => {
    const group = inChannel(SLACK).find((m) => m.history[0]!.title.includes("Master Deploy"))!;
    const edits = group.history.length;
    const mute = group.history.at(-1)!.buttons!.find((b) => b.label === "Mute 1h")!;
    const res = await dispatchAction(h.labops.ack, { actionId: mute.id, actor: h.admin, channel: SLACK, requestId: randomUUID() });
    await h.notifier.final(res.reply!.jobId!);

    const muted = await fail();
    await alerting.settled();
    expect(group.history).toHaveLength(edits); // neither edited nor posted anew
    expect(inChannel(SLACK).some((m) => mentions(m, muted))).toBe(false);

    await h.labops.redis.del(`${h.config.redis.prefix}:alert:mute:aap:Master Deploy`); // the hour is over
    const next = await fail();
    const latest: Message = group.history.at(-1)!;
    expect(group.history).toHaveLength(edits + 1);
    expect(latest.title).toMatch(new RegExp(`^4 failures of Master Deploy \\(jellyfin\\) in the last 10 min: jobs \\d+, \\d+, \\d+, ${next}$`));
    expect(renderText(latest)).toContain(`While muted: 1 more failure(s) of Master Deploy: job ${muted} (docker02: docker_app : Wait for healthcheck)`);
  });

  it("opens a new message once the window has passed (worker failures, grouped by command)", async () => {
    const CH: ChannelRef = { platform: "terminal", channel: "alerts-short" };
    const short = createAlerting({
      config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: `${h.config.redis.prefix}:short`, notifier: h.labops.notifiers,
      actions: h.labops.ack.actions, channels: [CH], pollIntervalMs: 60_000, groupWindowMs: 400, retryDelaysMs: [20],
    });
    const failure = (jobId: string) => short.onJobFailed({ jobId, command: "deploy", ref: `ref-${jobId}`, error: new Error("boom"), payload: {} });
    failure("j1");
    await short.settled();
    failure("j2");
    failure("j2"); // reported twice: still one entry
    await short.settled();
    expect(inChannel(CH)).toHaveLength(1);
    expect(inChannel(CH)[0]!.history.at(-1)!.title).toBe("2 failures of /deploy in the last 1 s: jobs j1, j2");
    await new Promise((r) => setTimeout(r, 450));
    failure("j3");
    await short.settled();
    expect(inChannel(CH)).toHaveLength(2);
    expect(inChannel(CH)[1]!.history[0]!.title).toBe("labops job j3 failed: /deploy");
  });
});
