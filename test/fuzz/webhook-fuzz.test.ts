import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addAapWebhookRoute, type AapNotification } from "../../src/alerts/aap-webhook-route.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { createLogger } from "../../src/logger.ts";
import { trackUnhandled } from "../helpers/fault-timing.ts";
import { LogCapture } from "../helpers/harness.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const TOKEN = "fuzz-webhook-secret-3b9c1f0e";
const BODIES = 10_000;
const CONCURRENCY = 50;
const FIXTURE = upstreamJson<Record<string, unknown>>("awx/notification-webhook.failed.example.json");
const b64 = (s: string) => Buffer.from(s, "utf8").toString("base64");

/** Authorization headers, each with whether it carries the secret. */
const AUTHS: { header?: string; valid: boolean }[] = [
  { header: `Bearer ${TOKEN}`, valid: true },
  { header: `bearer ${TOKEN}`, valid: true },
  { header: `Basic ${b64(`awx:${TOKEN}`)}`, valid: true },
  { header: `Basic ${b64(`:${TOKEN}`)}`, valid: true },
  { valid: false },
  { header: "", valid: false },
  { header: "Bearer", valid: false },
  { header: "Bearer wrong-token-000000000000", valid: false },
  { header: `Bearer ${TOKEN}x`, valid: false },
  { header: `Bearer ${TOKEN.slice(0, -1)}`, valid: false },
  { header: `Token ${TOKEN}`, valid: false },
  { header: TOKEN, valid: false },
  { header: `Basic ${b64(`${TOKEN}:x`)}`, valid: false },
  { header: `Basic ${b64(TOKEN)}`, valid: false },
  { header: "Basic !!!not-base64!!!", valid: false },
  { header: `Basic ${b64("awx:wrong")}`, valid: false },
  { header: `Bearer ${TOKEN.toUpperCase()}`, valid: false },
];

/** Bodies: the documented notification with fields mutated or dropped, random JSON, junk bytes, and oversized ones. */
const bodyArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.record({
    drop: fc.subarray(Object.keys(FIXTURE), { maxLength: 3 }),
    set: fc.dictionary(fc.constantFrom("id", "name", "status", "hosts", "extra_vars", "url", "limit", "finished", "__proto__", "constructor"),
      fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constantFrom("failed", "error", "canceled", "successful", "running", ""), fc.integer({ min: -5, max: 1e9 })), { maxKeys: 3 }),
  }).map(({ drop, set }) => {
    const o: Record<string, unknown> = { ...FIXTURE };
    for (const k of drop) delete o[k];
    return JSON.stringify(Object.assign(o, set));
  }) },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
  { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 300 }) },
  { weight: 1, arbitrary: fc.constantFrom("", "{", "null", "[]", "\"x\"", "{\"id\":1e999}", "{\"id\":1,\"name\":\"x\",\"status\":\"failed\",\"hosts\":[]}", "\u0000\u0001") },
  { weight: 1, arbitrary: fc.integer({ min: 60 * 1024, max: 200 * 1024 }).map((n) => JSON.stringify({ ...FIXTURE, name: "x".repeat(n) })) },
);

describe("fuzz: generated bodies against POST /hooks/aap", () => {
  let server: HttpServer;
  let base: string;
  const logs = new LogCapture();
  const alerts: AapNotification[] = [];

  beforeAll(async () => {
    const log = createLogger({ level: "info", secrets: [TOKEN], destination: logs });
    server = new HttpServer(log);
    addAapWebhookRoute(server, { token: TOKEN, log, onFailure: (n) => void alerts.push(n) });
    base = await server.listen(0, "127.0.0.1");
  });
  afterAll(async () => {
    await server?.close();
  });

  it(`${BODIES} generated bodies with and without the secret: never 500, never an alert without it, 400 with a reason for malformed`, async () => {
    const unhandled = trackUnhandled();
    const samples = fc.sample(fc.tuple(bodyArb, fc.nat(AUTHS.length - 1), fc.constantFrom("application/json", "text/plain", "application/x-www-form-urlencoded")), { numRuns: BODIES, seed: 99 });
    const statuses: Record<number, number> = {};
    let accepted = 0;
    let i = 0;
    const worker = async () => {
      for (let k = i++; k < samples.length; k = i++) {
        const [body, a, contentType] = samples[k]!;
        const auth = AUTHS[a]!;
        const res = await fetch(`${base}/hooks/aap`, {
          method: "POST", body, headers: { "content-type": contentType, ...(auth.header !== undefined ? { authorization: auth.header } : {}) },
        });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const what = `${res.status} ${auth.header ?? "(none)"} ${body.slice(0, 120)} → ${text.slice(0, 200)}`;
        expect([202, 400, 401, 413], what).toContain(res.status);
        // Over 64 KiB is refused (413) before the body is read, so before the secret is checked; otherwise no secret, 401.
        if (!auth.valid) expect([401, 413], what).toContain(res.status);
        else expect(res.status, what).not.toBe(401);
        if (res.status === 400) {
          const json = JSON.parse(text) as { error?: unknown };
          expect(typeof json.error, what).toBe("string");
          expect((json.error as string).length).toBeGreaterThan(0);
        }
        if (res.status === 202 && (JSON.parse(text) as { accepted: boolean }).accepted) accepted++;
      }
    };
    try {
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      await new Promise((r) => setImmediate(r));
      expect(unhandled.rejections).toEqual([]);
    } finally {
      unhandled.stop();
    }
    console.log(`webhook fuzz: ${samples.length} bodies, statuses ${JSON.stringify(statuses)}, ${alerts.length} alerts`);
    // Every alert came from an accepted request (which needed the secret), and every accepted one alerted once.
    expect(alerts.length).toBe(accepted);
    for (const n of alerts) expect(["failed", "error", "canceled"]).toContain(n.status);
    expect(statuses[500] ?? 0).toBe(0);
    expect(statuses[401]).toBeGreaterThan(0);
    expect(statuses[400]).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
    // The handler never failed, and the secret never reached the log.
    expect(logs.lines.some((l) => l.includes("http handler failed"))).toBe(false);
    expect(logs.lines.some((l) => l.includes(TOKEN))).toBe(false);
  }, 60_000);
});
