import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

describe("/deploy end to end (dispatch → Redis queue → worker → fake AAP and Nautobot)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h.close();
  });

  it("deploys traefik on edge01, edits one message through to success, probes services and writes a journal entry", async () => {
    const t0 = Date.now();
    const ack = await h.run("/deploy traefik");
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(ack.state).toBe("queued");
    expect(ack.jobId).toMatch(/^[0-9a-f]{12}$/);
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    const text = renderText(final);
    expect(text).toContain("traefik");
    expect(text).toMatch(/AAP job \d+ successful/);
    expect(text).toContain("service traefik tcp/8080 on 10.20.10.10: open");
    expect(text).toContain("Journal entry written on edge01");

    const launches = h.lab.aap.launches().filter((l) => l.extraVars.app === "traefik");
    expect(launches).toHaveLength(1);
    expect(launches[0]).toMatchObject({ templateName: "Master Deploy", limit: "edge01", jobType: "run" });
    const rec = h.notifier.forJob(ack.jobId!)!;
    expect(rec.history.length).toBeGreaterThan(2); // queued, running..., success: edits of the same message
    expect(h.lab.nautobot.journal().some((j) => j.comments.includes("/deploy traefik") && j.kind === "success")).toBe(true);
  });

  it("runs check mode as job_type check", async () => {
    const ack = await h.run("/deploy grafana --check");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("success");
    expect(final.title).toContain("check mode");
    expect(h.lab.aap.launches().find((l) => l.extraVars.app === "grafana")?.jobType).toBe("check");
  });

  it("reports a failed AAP job with the failed task, host and the last lines of output", async () => {
    const ack = await h.run("/deploy nextcloud");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("failure");
    const text = renderText(final);
    expect(text).toContain("failed: docker_app : Wait for healthcheck on docker02");
    expect(text).toContain("PLAY RECAP");
    expect(h.lab.nautobot.journal().some((j) => j.comments.includes("/deploy nextcloud") && j.kind === "danger")).toBe(true);
  });

  it("refuses an unknown app with close matches and launches nothing", async () => {
    const before = h.lab.aap.launches().length;
    const ack = await h.run("/deploy traefk");
    const final = await h.notifier.final(ack.jobId!);
    expect(final.state).toBe("failure");
    expect(renderText(final)).toContain("No app `traefk` in app_list. Did you mean `traefik`?");
    expect(h.lab.aap.launches().length).toBe(before);
  });

  it("answers bad input on the ack path with usage, and queues nothing", async () => {
    const missing = await h.run("/deploy");
    expect(missing.state).toBe("failure");
    expect(renderText(missing)).toContain("Name an app (`/deploy traefik`), several (`/deploy traefik homepage`), or `--all-on <host>`");
    expect(renderText(missing)).toContain("Usage: `/deploy [<app>] [<apps>...] [--check] [--host <host>] [--allow-elevated] [--all-on <allOn>]`");
    const bad = await h.run("/deploy Traefik!");
    expect(renderText(bad)).toContain("`app`: an app name");
    const unknown = await h.run("/deploi traefik");
    expect(renderText(unknown)).toContain("Did you mean `/deploy`?");
    expect(await h.labops.queue.queue.count()).toBe(0);
  });

  it("refuses a flag the template would silently ignore, before launching anything", async () => {
    h.lab.aap.patchTemplate("Master Deploy", { ask_job_type_on_launch: false });
    try {
      const before = h.lab.aap.launches().length;
      const ack = await h.run("/deploy portainer --check");
      const final = await h.notifier.final(ack.jobId!);
      expect(final.state).toBe("failure");
      expect(renderText(final)).toContain("would silently ignore `job_type`");
      expect(h.lab.aap.launches().length).toBe(before);
    } finally {
      h.lab.aap.patchTemplate("Master Deploy", { ask_job_type_on_launch: true });
    }
  });

  it("answers /history, /job and /status from Redis: the command, the AAP job id and the result", async () => {
    const ack = await h.run("/deploy uptime-kuma");
    await h.notifier.final(ack.jobId!);
    // The final message is posted just before BullMQ records the job as completed and the result reaches the audit trail.
    for (let i = 0; i < 200 && (await h.labops.queue.queue.getJobState(ack.jobId!)) !== "completed"; i++) await new Promise((r) => setTimeout(r, 25));
    let history = "";
    for (let i = 0; i < 200; i++) {
      history = renderText(await h.run("/history uptime-kuma"));
      if (/ result \/deploy /.test(history)) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    // Readable lines, each time with its zone; no JSON.
    expect(history).toMatch(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · terminal:tester ran \/deploy uptime-kuma · job [0-9a-f]{12} · app:uptime-kuma/);
    expect(history).toMatch(/UTC · remote \/deploy aap job \d+ \(Master Deploy\) · job [0-9a-f]{12} · app:uptime-kuma/);
    expect(history).toMatch(/UTC · terminal:tester result \/deploy success aapJob \d+, status successful, host docker01/);
    expect(history).not.toMatch(/[{}"]/);
    let job = "";
    for (let i = 0; i < 200; i++) {
      job = renderText(await h.run(`/labops job ${ack.jobId}`));
      if (job.includes("(success)")) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(job).toContain("/deploy uptime-kuma by tester (terminal)");
    expect(job).toContain("state: completed (success) · attempt 1 of");
    expect(job).toMatch(/queued \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC · started .* UTC · finished .* UTC/);
    expect(job).toMatch(/deploy: .*jobId \d+/);
    expect(job).not.toMatch(/[{}"]/);
    expect(renderText(await h.run("/status"))).toMatch(/queue: 0 running/);
    expect(renderText(await h.run("/job 000000000000"))).toContain("No job `000000000000`");
  });

  it("cancels a running deploy: the AAP job is canceled and the message ends canceled", async () => {
    const slow = await h.run("/deploy vaultwarden");
    await h.notifier.waitFor((m) => (m.history[0]?.lines ?? []).some((l) => l.includes(slow.jobId!)) && m.history.some((x) => (x.lines ?? []).some((l) => l.includes("running"))));
    const cancel = await h.run(`/cancel ${slow.jobId}`);
    expect(cancel.jobId).toBeDefined();
    const final = await h.notifier.final(slow.jobId!);
    expect(["canceled", "success"]).toContain(final.state); // a fast fake job can finish before the cancel lands
    if (final.state === "canceled") expect(renderText(final)).toContain("canceled");
  });
});
