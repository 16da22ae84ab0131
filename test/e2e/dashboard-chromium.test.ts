import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { chromium, type BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountAdminDashboard } from "../../src/http/admin-dashboard.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { QUEUE_NAME } from "../../src/queue/job-queue.ts";
import { createLogger } from "../../src/logger.ts";
import { LogCapture, REDIS_URL } from "../helpers/harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync"];
const TOKEN = `admin-${randomUUID()}`;
const JOB_NAME = "aap.deploy";
const basic = (user: string, pass: string) => `Basic ${Buffer.from(`${user}:${pass}`).toString("base64")}`;

describe("the BullMQ dashboard at /admin/queues (bull-board behind ADMIN_TOKEN)", () => {
  const logs = new LogCapture();
  const log = createLogger({ level: "debug", secrets: [TOKEN], destination: logs });
  const prefix = `t-${randomUUID().slice(0, 8)}`;
  let connection: Redis;
  let queue: Queue;
  let server: HttpServer;
  let url: string;
  let jobId: string;

  beforeAll(async () => {
    connection = new Redis(REDIS_URL, { maxRetriesPerRequest: null });
    queue = new Queue(QUEUE_NAME, { connection, prefix });
    // No worker runs here, so the job stays waiting for the dashboard to show.
    const job = await queue.add(JOB_NAME, { command: "deploy", args: { app: "traefik" } }, { jobId: `dash-${randomUUID().slice(0, 8)}` });
    jobId = job.id!;
    server = new HttpServer(log);
    mountAdminDashboard(server, { queues: [queue], token: TOKEN, log });
    url = await server.listen(0, "127.0.0.1");
  });
  afterAll(async () => {
    await server?.close();
    await queue?.obliterate({ force: true }).catch(() => {});
    await queue?.close();
    connection?.disconnect();
  });

  it("answers 401 with a Basic challenge for the page, its static assets and its API without the token or with a wrong one", async () => {
    const paths = ["/admin/queues", "/admin/queues/", "/admin/queues/queue/jobs", "/admin/queues/static/favicon-32x32.png", "/admin/queues/api/queues"];
    const wrong = [undefined, `Bearer not-${TOKEN}`, basic("admin", "nope"), basic(TOKEN, ""), `Token ${TOKEN}`, "Bearer "];
    for (const path of paths) {
      for (const authorization of wrong) {
        const res = await fetch(url + path, { headers: authorization ? { authorization } : {} });
        expect(res.status, `${path} with ${authorization ?? "no auth"}`).toBe(401);
        expect(res.headers.get("www-authenticate")).toBe('Basic realm="labops admin", charset="UTF-8"');
        expect(await res.text()).not.toContain(QUEUE_NAME);
      }
    }
    // Writes are refused too: pausing the queue without the token changes nothing.
    expect((await fetch(`${url}/admin/queues/api/queues/${QUEUE_NAME}/pause`, { method: "PUT" })).status).toBe(401);
    expect(await queue.isPaused()).toBe(false);
    expect(logs.lines.some((l) => l.includes("admin dashboard: wrong token"))).toBe(true);
    expect(logs.lines.join("\n")).not.toContain(TOKEN);
  });

  it("serves the page, assets and API to a Bearer token or to Basic credentials with the token as password", async () => {
    const api = await fetch(`${url}/admin/queues/api/queues`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
    const body = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues).toEqual([expect.objectContaining({ name: QUEUE_NAME, counts: expect.objectContaining({ waiting: 1 }) })]);
    const page = await fetch(`${url}/admin/queues`, { headers: { authorization: basic("anyone", TOKEN) } });
    expect(page.status).toBe(200);
    expect(page.headers.get("x-frame-options")).toBe("DENY");
    expect(page.headers.get("x-powered-by")).toBeNull();
    const html = await page.text();
    expect(html).toContain('<base href="/admin/queues/" />');
    const css = /href="(static\/css\/[^"]+\.css)"/.exec(html)?.[1];
    expect(css).toBeDefined();
    const asset = await fetch(`${url}/admin/queues/${css}`, { headers: { authorization: basic("admin", TOKEN) } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get("content-type")).toContain("text/css");
  });

  it("refuses a write that another site's page makes with cached credentials", async () => {
    const res = await fetch(`${url}/admin/queues/api/queues/${QUEUE_NAME}/pause`, {
      method: "PUT", headers: { authorization: basic("admin", TOKEN), origin: "https://evil.example" },
    });
    expect(res.status).toBe(403);
    expect(await queue.isPaused()).toBe(false);
  });

  it("is disabled, answering 404 with a log line, when no ADMIN_TOKEN is configured", async () => {
    const off = new HttpServer(log);
    const { enabled } = mountAdminDashboard(off, { queues: [queue], token: undefined, log });
    const offUrl = await off.listen(0, "127.0.0.1");
    try {
      expect(enabled).toBe(false);
      for (const path of ["/admin/queues", "/admin/queues/api/queues"]) {
        const res = await fetch(offUrl + path, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(res.status).toBe(404);
      }
      expect(logs.lines.some((l) => l.includes("admin dashboard disabled: ADMIN_TOKEN is not set"))).toBe(true);
    } finally {
      await off.close();
    }
  });

  describe("in a real headless Chromium", () => {
    let context: BrowserContext;
    let profile: string;
    let shots: string;

    beforeAll(async () => {
      if (!existsSync(CHROMIUM)) {
        throw new Error(`Chromium is not installed at ${CHROMIUM}: run scripts/install-chromium.sh (apt-get install -y chromium)`);
      }
      profile = await mkdtemp(join(tmpdir(), "labops-chromium-profile-"));
      shots = join(tmpdir(), "labops-dashboard-screenshots");
      await mkdir(shots, { recursive: true });
      context = await chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true, chromiumSandbox: false,
        httpCredentials: { username: "admin", password: TOKEN }, viewport: { width: 1280, height: 800 },
      });
    });
    afterAll(async () => {
      await context?.close();
      if (profile) await rm(profile, { recursive: true, force: true });
    });

    it("logs in with Basic credentials, shows the queue and the waiting job, and renders a screenshot", async () => {
      const page = await context.newPage();
      const apiCalls: number[] = [];
      page.on("response", (r) => {
        if (r.url().includes("/admin/queues/api/")) apiCalls.push(r.status());
      });
      const res = await page.goto(`${url}/admin/queues`);
      expect(res?.status()).toBe(200);
      await page.getByText(QUEUE_NAME, { exact: true }).first().waitFor({ timeout: 10_000 });
      expect(await page.locator("body").innerText()).toContain(QUEUE_NAME);

      await page.goto(`${url}/admin/queues/queue/${QUEUE_NAME}?status=waiting`);
      await page.getByText(JOB_NAME).first().waitFor({ timeout: 10_000 });
      const text = await page.locator("body").innerText();
      expect(text).toContain(JOB_NAME);
      expect(text).toContain(jobId);
      expect(apiCalls.length).toBeGreaterThan(0);
      expect(apiCalls.every((s) => s === 200)).toBe(true);

      const file = join(shots, "admin-queues-waiting.png");
      await page.screenshot({ path: file, fullPage: true });
      expect((await stat(file)).size).toBeGreaterThan(10_000);
    });
  });
});
