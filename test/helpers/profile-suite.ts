import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient } from "../../src/clients/aap.ts";
import { createAlerting, type Alerting } from "../../src/alerts/create-alerting.ts";
import { renderText } from "../../src/core/message.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { labProfile } from "../../lab/lab-profiles.ts";
import { createLogger } from "../../src/logger.ts";
import { button, click, runPreview } from "../integration/cleanup-helpers.ts";
import { waitUntil } from "./fault-timing.ts";
import { createHarness, type Harness } from "./harness.ts";

const WEBHOOK_TOKEN = "profile-suite-webhook-token";

/**
 * The demo's commands against one lab profile (lab/lab-profiles.ts), one harness for the file:
 * detected versions in /status and /readyz-style reads, /deploy (and its job link), /seed-aap, /sync all,
 * /cleanup-ocp with Confirm, /runner create, a failure whose webhook was lost (the poller), and a launch
 * whose answer was lost (the retry re-attaches by correlation instead of launching again).
 */
export function profileSuite(name: string): void {
  const profile = labProfile(name);
  describe(`lab profile ${name}: ${profile.summary}`, () => {
    let h: Harness;
    let server: HttpServer;
    let alerting: Alerting;
    const dropped = new Set<number>();

    beforeAll(async () => {
      server = new HttpServer(createLogger({ level: "silent" }));
      const base = await server.listen(0, "127.0.0.1");
      h = await createHarness({
        lab: { profile, aap: { webhookUrl: `${base}/hooks/aap`, webhookHeaders: { authorization: `Bearer ${WEBHOOK_TOKEN}` }, dropWebhooks: (id) => dropped.has(id) } },
        tweak: (c) => {
          c.limits.backendTimeout = 2_000;
          c.limits.jobAttempts = 3;
        },
      });
      alerting = createAlerting({
        config: h.config, log: h.labops.log, redis: h.labops.redis, prefix: h.config.redis.prefix, notifier: h.labops.notifiers,
        actions: h.labops.ack.actions, aap: h.labops.clients.aap, channels: [{ platform: "terminal", channel: "alerts" }], pollIntervalMs: 300,
        webhookToken: WEBHOOK_TOKEN, groupWindowMs: 0, eventWaitMs: 1_000, retryDelaysMs: [20], overlapMs: 1_000,
      });
      alerting.addRoutes(server);
    });
    afterAll(async () => {
      await alerting?.stop();
      await server?.close();
      await h?.close();
    });

    it("detects every system's version in the background and shows it in /status", async () => {
      await waitUntil(async () => Object.keys(await h.labops.versions.read()).length === 4, 15_000);
      const entries = await h.labops.versions.read();
      for (const e of Object.values(entries)) expect(e, JSON.stringify(e)).toMatchObject({ supported: true });
      expect(entries.aap!.label).toContain(profile.aap.product.version);
      expect(entries.nautobot!.label).toBe(`Nautobot ${profile.nautobot.version}`);
      expect(entries.proxmox!.label).toBe(`Proxmox VE ${profile.proxmox.version}`);
      expect(entries.truenas!.label).toContain(profile.truenas.version.slice(0, 5));
      const status = renderText(await h.run("/status"));
      expect(status).toContain(`version nautobot: Nautobot ${profile.nautobot.version}`);
      expect(status).toContain(`version proxmox: Proxmox VE ${profile.proxmox.version}`);
    });

    it("AAP client: the version, the API path and token the server wants, job lists with or without extra_vars", async () => {
      const aap = h.labops.clients.aap!;
      expect((await aap.detectVersion()).label).toContain(profile.aap.product.version);
      const { jobId } = await aap.launch(7, { extra_vars: { app: "portainer" }, limit: "docker01" });
      const listed = (await aap.listJobs({ id: jobId }))[0]!;
      expect(listed.extra_vars === undefined).toBe(!profile.aap.listExtraVars);
      expect(JSON.parse((await aap.listJobsWithVars({ id: jobId }))[0]!.extra_vars!)).toMatchObject({ app: "portainer" });
      if (profile.aap.gateway) {
        const bare = new AapClient({ url: h.lab.aap.url, token: h.config.aap!.token, apiPath: "/api/v2/" });
        await expect(bare.detectVersion()).rejects.toThrow(/platform gateway: set AAP_API_PATH=\/api\/controller\/v2\//);
        const controllerToken = new AapClient({ url: h.lab.aap.url, token: h.lab.aap.token, apiPath: profile.aap.apiPath });
        await expect(controllerToken.findJobTemplate("Master Deploy")).rejects.toMatchObject({ status: 401 });
      }
    });

    it("Nautobot client: pinned to the server's API version; the Git sync's JobResult found with or without job_result", async () => {
      const nb = h.labops.clients.nautobot!;
      expect(await nb.detectVersion()).toMatchObject({ label: `Nautobot ${profile.nautobot.version}`, supported: true });
      const repo = (await nb.getGitRepository("labops"))!;
      const result = await nb.syncGitRepository(repo.id);
      expect(result.name).toBe("Git Repository: Sync");
      expect((await nb.waitForJobResult(result.id, { intervalMs: 50, timeoutMs: 15_000 })).result.status.value).toBe("SUCCESS");
      const pinned = h.lab.nautobot.http.requests.at(-1)!.headers.accept;
      expect(pinned).toBe(`application/json; version=${profile.nautobot.version.split(".").slice(0, 2).join(".")}`);
      // Many-to-many fields: present on 2.x, left out on 3.x unless asked (labops reads none of them).
      const auth = { authorization: `Token ${h.lab.nautobot.token}` };
      const ctx = async (q: string) => ((await (await fetch(`${h.lab.nautobot.url}/api/extras/config-contexts/?name=app_list${q}`, { headers: auth })).json()) as { results: Record<string, unknown>[] });
      const major = Number(profile.nautobot.version.split(".")[0]);
      expect("roles" in (await ctx("")).results[0]!).toBe(major < 3);
      if (major >= 3) expect("roles" in (await ctx("&exclude_m2m=false")).results[0]!).toBe(true);
    });

    it("Proxmox client: the version; an API token may set nesting but not keyctl (403, as PVE answers)", async () => {
      const px = h.labops.clients.proxmox!;
      expect(await px.detectVersion()).toMatchObject({ label: `Proxmox VE ${profile.proxmox.version}`, supported: true });
      const spec = { vmid: 990, ostemplate: "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst", hostname: "featuretest", rootfs: "local-lvm:4", unprivileged: true, features: "nesting=1,keyctl=1" };
      await expect(px.createLxc("pve01", spec)).rejects.toMatchObject({ status: 403 });
      expect(h.lab.proxmox.guests().some((g) => g.vmid === 990)).toBe(false);
    });

    it("TrueNAS client: the version, the snapshot namespace, and a dataset delete answered true or null", async () => {
      const tn = h.labops.clients.truenas!;
      expect(await tn.detectVersion()).toMatchObject({ supported: true });
      expect(tn.snapshotNamespace).toBe(profile.truenas.version.startsWith("25.10") ? "pool.snapshot" : "zfs.snapshot");
      await tn.call("pool.dataset.create", [{ name: "Media/docker-media/profile-scratch", type: "FILESYSTEM" }]);
      expect(await tn.deleteDataset("Media/docker-media/profile-scratch")).toBe(true);
    });

    it("/deploy traefik succeeds, with the job page where this version's UI has it", async () => {
      const ack = await h.run("/deploy traefik");
      const final = await h.notifier.final(ack.jobId!);
      expect(final.state, renderText(final)).toBe("success");
      const jobId = h.lab.aap.launches().find((l) => l.extraVars.app === "traefik")!.jobId;
      const page = profile.aap.gateway ? `/execution/jobs/playbook/${jobId}/output` : `/#/jobs/playbook/${jobId}/output`;
      expect(JSON.stringify(h.notifier.forJob(ack.jobId!)!.history)).toContain(`${h.lab.aap.url}${page}`);
    });

    it("/seed-aap and /sync all succeed", async () => {
      const seed = await h.notifier.final((await h.run("/seed-aap")).jobId!);
      expect(seed.state, renderText(seed)).toBe("success");
      const sync = await h.notifier.final((await h.run("/sync all")).jobId!);
      expect(sync.state, renderText(sync)).toBe("success");
      expect(renderText(sync)).toMatch(/Nautobot/);
    });

    it("/cleanup-ocp, Confirm: snapshot and removal succeed", async () => {
      const { msg } = await runPreview(h, "/cleanup-ocp");
      const done = await click(h, button(msg, "Confirm"));
      const jobId = done.reply?.jobId;
      expect(jobId, done.reply ? renderText(done.reply) : "no reply").toBeTruthy();
      const final = await h.notifier.final(jobId!, 30_000);
      expect(final.state, renderText(final)).toBe("success");
      const snapshotNs = profile.truenas.version.startsWith("25.10") ? "pool.snapshot.create" : "zfs.snapshot.create";
      expect(h.lab.truenas.calls().some((c) => c.method === snapshotNs)).toBe(true);
    });

    it("/runner create makes an unprivileged LXC with nesting (Docker), the one feature a token may set", async () => {
      const final = await h.notifier.final((await h.run("/runner create")).jobId!, 30_000);
      expect(final.state, renderText(final)).toBe("success");
      const ct = h.lab.proxmox.guests().find((g) => g.config.hostname && /^runner\d+$/.test(g.config.hostname) && g.config.features);
      expect(ct?.config).toMatchObject({ features: "nesting=1", unprivileged: "1" });
    });

    it("the poller alerts a failure whose webhook was lost (job lists may leave extra_vars out)", async () => {
      await alerting.pollOnce();
      alerting.start();
      try {
        h.lab.aap.failNextJob("Master Deploy", { host: "docker02", task: "Wait for healthcheck", msg: "Status code was 503" });
        const { jobId } = await h.labops.clients.aap!.launch(7, { extra_vars: { app: "jellyfin", target_host: "docker02" }, limit: "docker02" });
        dropped.add(jobId);
        const alert = await h.notifier.waitFor((m) => m.ref.channel === "alerts" && m.history[0]!.title.startsWith(`AAP job ${jobId} `), 10_000);
        expect(renderText(alert.history[0]!)).toContain("Wait for healthcheck on docker02");
      } finally {
        await alerting.stop();
      }
    });

    it("a deploy whose launch answer was lost re-attaches on retry: one AAP job, success", async () => {
      const before = h.lab.aap.launches().filter((l) => l.extraVars.app === "grafana").length;
      h.lab.aap.http.inject({ method: "POST", path: /\/job_templates\/\d+\/launch\/$/, holdResponse: true, times: 1 });
      const ack = await h.run("/deploy grafana");
      const final = await h.notifier.final(ack.jobId!, 30_000);
      expect(final.state, renderText(final)).toBe("success");
      expect(h.lab.aap.launches().filter((l) => l.extraVars.app === "grafana")).toHaveLength(before + 1);
      expect(h.logs.lines.some((l) => l.includes("re-attached to a job launched before a crash"))).toBe(true);
    });
  });
}
