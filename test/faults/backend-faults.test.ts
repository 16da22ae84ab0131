import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient } from "../../src/clients/aap.ts";
import { NautobotClient } from "../../src/clients/nautobot.ts";
import { ProxmoxClient } from "../../src/clients/proxmox.ts";
import { TrueNasClient } from "../../src/clients/truenas/truenas-client.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/** Client timeout for the hang cases: short, so a hang costs tries × attempts × 300 ms, not minutes. */
const TIMEOUT_MS = 300;
/** HttpApi tries an idempotent GET 1 + 2 times; BullMQ runs a job `jobAttempts` (3) times. */
const GET_TRIES = 3;

type Fault = { kind: string; status?: number; hang?: boolean };
const FAULTS: Fault[] = [
  { kind: "5xx", status: 503 },
  { kind: "429", status: 429 },
  { kind: "hang", hang: true },
];

/**
 * Backends failing during a command that uses them (perf-reliability §5.2 nemeses): 5xx, 429 and hangs on
 * AAP (/deploy), Nautobot (/sync nautobot), Proxmox (/runner status) and TrueNAS (/cleanup-ocp preview).
 * Retries are bounded (the fake counts the requests), the final message is always delivered, names the
 * system and a reference id, and carries no stack trace, URL or token.
 */
describe("backend faults: bounded retries and a clear final message", () => {
  let h: Harness;
  const attempts = () => h.config.limits.jobAttempts;

  beforeAll(async () => {
    h = await createHarness({ startWorker: false });
    // The same clients createLabops builds, with a short timeout so the hang cases finish in seconds.
    const c = h.config;
    h.labops.workerDeps.aap = new AapClient({ url: c.aap!.url, token: c.aap!.token, apiPath: c.aap!.apiPath, timeoutMs: TIMEOUT_MS });
    h.labops.workerDeps.nautobot = new NautobotClient({ url: c.nautobot!.url, token: c.nautobot!.token, timeoutMs: TIMEOUT_MS });
    h.labops.workerDeps.proxmox = new ProxmoxClient({ url: c.proxmox!.url, token: c.proxmox!.token, caPem: c.caPem, timeoutMs: TIMEOUT_MS });
    h.labops.workerDeps.truenas = new TrueNasClient({ url: c.truenas!.url, apiKey: c.truenas!.apiKey, timeoutMs: TIMEOUT_MS });
    h.labops.startWorker();
  });
  afterAll(async () => {
    await h.labops.workerDeps.truenas?.close().catch(() => {});
    await h?.close();
  });

  /** Runs `line`, waits for its final message, and checks what the person sees. */
  const finalOf = async (line: string, system: string): Promise<{ final: Message; ms: number }> => {
    const t0 = Date.now();
    const ack = await h.run(line);
    expect(ack.state, renderText(ack)).toBe("queued");
    const final = await h.notifier.final(ack.jobId!, 25_000);
    const text = renderText(final);
    expect(final.state).toBe("failure");
    expect(text).toContain(system);
    expect(text).toMatch(/Reference: [0-9a-f]{8}\./);
    expect(text).not.toMatch(/\n\s+at \S+ \(|Error:|https?:\/\//);
    for (const secret of h.config.secrets) expect(text).not.toContain(secret);
    // Every earlier state of the same message is clean too (the "retrying" lines).
    for (const m of h.notifier.forJob(ack.jobId!)!.history) expect(renderText(m)).not.toMatch(/https?:\/\/|\n\s+at /);
    return { final, ms: Date.now() - t0 };
  };

  const rest = [
    { system: "AAP", line: "/deploy traefik", fake: () => h.lab.aap.http, path: /\/job_templates\/$/ },
    { system: "Nautobot", line: "/sync nautobot", fake: () => h.lab.nautobot.http, path: /\/extras\/git-repositories\/$/ },
    { system: "Proxmox", line: "/runner status", fake: () => h.lab.proxmox.http, path: /\/cluster\/resources$/ },
  ] as const;

  // One system per fake, so the three run at once; each counts only its own requests.
  for (const f of FAULTS) {
    it(`${f.kind} on every try of AAP (/deploy), Nautobot (/sync nautobot) and Proxmox (/runner status) → ≤ ${GET_TRIES * 3} requests each, then a final message naming the system`, async () => {
      await Promise.all(rest.map(async (sys) => {
        const fake = sys.fake();
        const before = fake.count("GET", sys.path);
        fake.inject({ method: "GET", path: sys.path, ...(f.status ? { status: f.status, body: { detail: "injected" } } : {}), ...(f.hang ? { hang: true } : {}) });
        try {
          const { final, ms } = await finalOf(sys.line, sys.system);
          const seen = fake.count("GET", sys.path) - before;
          console.log(`${sys.system} ${f.kind}: ${seen} requests, final after ${ms} ms: ${final.lines?.[0]}`);
          // Retried (more than one try), but within the budget: GET tries per attempt × job attempts.
          expect(seen).toBeGreaterThan(1);
          expect(seen).toBeLessThanOrEqual(GET_TRIES * attempts());
          const text = renderText(final);
          if (f.kind === "5xx") expect(text).toContain(`${sys.system} had an internal error (503)`);
          if (f.kind === "429") expect(text).toContain(`${sys.system} is rate limiting labops`);
          if (f.kind === "hang") expect(text).toContain(`${sys.system} did not answer (timed out)`);
          // The requests stop: nothing more arrives after the final message.
          await new Promise((r) => setTimeout(r, 300));
          expect(fake.count("GET", sys.path) - before).toBe(seen);
        } finally {
          fake.clearFaults();
        }
      }));
    });
  }

  it("a transient AAP 503 (twice) is retried and the deploy still succeeds, launching once", async () => {
    const fake = h.lab.aap.http;
    const launches = h.lab.aap.launches().length;
    fake.inject({ method: "GET", path: /\/job_templates\/$/, status: 503, times: 2 });
    const ack = await h.run("/deploy grafana");
    const final = await h.notifier.final(ack.jobId!, 25_000);
    expect(final.state, renderText(final)).toBe("success");
    expect(h.lab.aap.launches().length - launches).toBe(1);
  });

  const truenasFaults = [
    { kind: "busy (-32000, retryable)", fault: { error: { code: -32000, errname: "EBUSY", reason: "Too many concurrent calls" } }, says: "TrueNAS is rate limiting labops" },
    { kind: "internal error (-32603)", fault: { error: { code: -32603, errname: "EFAULT", reason: "Traceback (most recent call last): middlewared/main.py" } }, says: "TrueNAS had an internal error (500)" },
    { kind: "hang", fault: { hangMs: 5_000 }, says: "TrueNAS did not answer (timed out" },
  ];
  for (const t of truenasFaults) {
    it(`TrueNAS: ${t.kind} on filesystem.listdir → bounded calls, a final message naming TrueNAS`, async () => {
      const before = h.lab.truenas.count("filesystem.listdir");
      h.lab.truenas.inject("filesystem.listdir", t.fault);
      try {
        const { final, ms } = await finalOf("/cleanup-ocp", "TrueNAS");
        const seen = h.lab.truenas.count("filesystem.listdir") - before;
        console.log(`TrueNAS ${t.kind}: ${seen} calls, final after ${ms} ms: ${final.lines?.[0]}`);
        expect(seen).toBeGreaterThanOrEqual(1);
        expect(seen).toBeLessThanOrEqual(GET_TRIES * attempts());
        expect(renderText(final)).toContain(t.says);
        expect(renderText(final)).not.toContain("Traceback");
        expect(renderText(final)).not.toContain("middlewared");
      } finally {
        h.lab.truenas.clearFaults();
      }
    });
  }
});
