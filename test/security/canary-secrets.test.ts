import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCanaryLab, type CanaryLab } from "../helpers/canary-lab.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const FIXTURE = upstreamJson<Record<string, unknown>>("awx/notification-webhook.failed.example.json");

/**
 * S3: every secret set to a canary; representative commands run, including ones that fail on auth and ones
 * whose upstream echoes the presented credential in its error body. Afterwards no canary appears in the
 * logs, in any chat message or acknowledgement, in what labops sent to Slack, or anywhere in Redis (job
 * data, failedReason, stacktrace, audit stream).
 */
describe("canary secrets never leak into logs, chat, errors or Redis", () => {
  let c: CanaryLab;
  const jobIds: string[] = [];

  const slash = async (command: string, text: string) => {
    const ack = await c.slack.slash(command, text, { user: "U0ALICE" });
    const id = /job `([0-9a-z]{12})`/.exec(String(ack.payload.text))?.[1];
    if (id) jobIds.push(id);
    return { ack, id };
  };
  /** Runs a command and waits until its job has finished in BullMQ (completed or failed for good). */
  const run = async (command: string, text: string) => {
    const { id } = await slash(command, text);
    expect(id, `${command} ${text} was queued`).toBeDefined();
    const q = c.labops.queue.queue;
    await waitUntil(async () => {
      // A job that will be retried is delayed or waiting; "failed" is for good.
      const state = await q.getJobState(id!);
      return state === "completed" || state === "failed" || undefined;
    }, 25_000, `${command} ${text} to finish`, 50);
    return id!;
  };

  beforeAll(async () => {
    c = await createCanaryLab();
  }, 30_000);
  afterAll(async () => {
    await c?.close();
  });

  it("runs representative commands, failing ones included, then finds no canary anywhere", async () => {
    const s = c.secrets;
    await run("/deploy", "traefik");
    await run("/deploy", "nextcloud"); // AAP job fails (a failed task), an alert follows
    await run("/runner", "status");
    await run("/labops", "sync nautobot");
    await run("/cleanup-ocp", "");
    // Answered at acknowledgement from the app_list copy read in the background (a job only before the first read).
    const list = await slash("/labops", "app list");
    if (list.id) await waitUntil(async () => ["completed", "failed"].includes(await c.labops.queue.queue.getJobState(list.id!)) || undefined, 25_000, "app list to finish", 50);

    // Plain auth failures: the fakes stop accepting the token.
    const aapGuard = c.lab.aap.http.guard;
    c.lab.aap.http.guard = () => ({ status: 401, body: { detail: "Authentication credentials were not provided." } });
    await run("/deploy", "grafana");
    c.lab.aap.http.guard = aapGuard;
    c.proxmox.deny("VM.Audit");
    await run("/runner", "status");
    c.proxmox.allow("VM.Audit");

    // Hostile upstreams that echo the presented credential in their error bodies (4xx: final at once; 5xx: retried).
    c.lab.aap.http.inject({ method: "GET", path: /\/job_templates\/$/, status: 401, body: { detail: `Invalid token "${s.AAP_TOKEN}" (Bearer ${s.AAP_TOKEN})` } });
    await run("/deploy", "portainer");
    c.lab.aap.http.clearFaults();
    c.lab.aap.http.inject({ method: "GET", path: /\/job_templates\/$/, status: 502, body: { detail: `proxy error for Authorization: Bearer ${s.AAP_TOKEN}` } });
    await run("/deploy", "jellyfin");
    c.lab.aap.http.clearFaults();
    c.lab.nautobot.http.inject({ method: "GET", path: /\/extras\/git-repositories\/$/, status: 403, body: { detail: `Invalid token ${s.NAUTOBOT_TOKEN}` } });
    await run("/labops", "sync nautobot");
    c.lab.nautobot.http.clearFaults();
    c.proxmox.http.inject({ method: "GET", path: /\/cluster\/resources$/, status: 401, body: { data: null, message: `authentication failure: PVEAPIToken=${s.PROXMOX_TOKEN}` } });
    await run("/runner", "status");
    c.proxmox.http.clearFaults();
    c.lab.truenas.inject("filesystem.listdir", { error: { code: -32001, errname: "EACCES", reason: `API key ${s.TRUENAS_API_KEY} is not allowed` }, times: 1 });
    await run("/cleanup-ocp", "");

    // The webhook with and without the secret (a wrong secret that is itself another canary), and the dashboard.
    const hook = (auth: string) => fetch(`${c.base}/hooks/aap`, { method: "POST", body: JSON.stringify(FIXTURE), headers: { "content-type": "application/json", authorization: auth } });
    expect((await hook(`Bearer ${s.ADMIN_TOKEN}`)).status).toBe(401);
    expect((await hook(`Basic ${Buffer.from(`awx:${s.SLACK_SIGNING_SECRET}`).toString("base64")}`)).status).toBe(401);
    expect((await hook(`Bearer ${s.ALERT_WEBHOOK_TOKEN}`)).status).toBe(202);
    expect((await fetch(`${c.base}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${s.ALERT_WEBHOOK_TOKEN}` } })).status).toBe(401);
    const dash = await fetch(`${c.base}/admin/queues/api/queues?activeQueue=jobs&status=failed`, { headers: { authorization: `Bearer ${s.ADMIN_TOKEN}` } });
    expect(dash.status).toBe(200);
    const dashboardJson = await dash.text();
    await slash("/labops", "status");
    await slash("/labops", "history");
    await slash("/labops", `job ${jobIds[0]!}`);
    await c.alerting.settled();
    await new Promise((r) => setTimeout(r, 500)); // the last edits and alerts reach Slack

    // Where a canary could end up.
    const chat = JSON.stringify({ messages: c.slack.messages(), ephemerals: c.slack.ephemerals, acks: c.slack.acks, responses: c.slack.responses });
    const sentToSlack = JSON.stringify(c.slack.calls.map((x) => x.args));
    const logs = c.logs.lines.join("\n");
    const redis = await c.redisDump();
    const jobs = await c.labops.queue.queue.getJobs(["failed", "completed", "waiting", "delayed", "active"], 0, 500);
    const errors = JSON.stringify(jobs.map((j) => ({ failedReason: j.failedReason, stacktrace: j.stacktrace, returnvalue: j.returnvalue, data: j.data })));
    const places = { logs, chat, sentToSlack, redis, errors, dashboardJson };

    // The run did exercise failures, alerts and logs (otherwise "no canary" proves nothing).
    expect(jobs.filter((j) => j.failedReason).length).toBeGreaterThanOrEqual(6);
    expect(c.slack.messages("C0ALERTS").length).toBeGreaterThan(0);
    expect(logs).toContain("job failed");
    expect(chat).toContain("rejected the credentials");

    const values = Object.entries(c.secrets);
    const found: string[] = [];
    for (const [where, text] of Object.entries(places)) {
      for (const [name, value] of values) {
        const n = text.split(value).length - 1;
        if (n) found.push(`${name} ×${n} in ${where}`);
      }
      // Any canary marker at all (a partial or re-encoded secret would still carry it).
      if (/CANARY/.test(text)) found.push(`a CANARY marker in ${where}: …${text.slice(Math.max(0, text.indexOf("CANARY") - 80), text.indexOf("CANARY") + 40)}…`);
    }
    console.log(`canary check: ${values.length} secrets × ${Object.keys(places).length} places (${logs.length + chat.length + sentToSlack.length + redis.length + errors.length} chars), ${jobIds.length} jobs`);
    expect(found).toEqual([]);
  }, 90_000);
});
