import { PassThrough, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runConsoleBot } from "../../src/bot/console/console-bot.ts";
import { ConsoleNotifier } from "../../src/bot/console/console-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

/** The terminal front end reads lines as the demo does: the same names as Slack and Discord. */
describe("terminal: /labops and the shortcuts", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  async function session(lines: string[]): Promise<{ out: string; commands: number; failures: number }> {
    let out = "";
    const sink = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
    const notifier = new ConsoleNotifier(sink);
    h.labops.notifiers.register("terminal", notifier);
    const input = new PassThrough();
    input.end(lines.map((l) => `${l}\n`).join(""));
    const summary = await runConsoleBot({ deps: h.labops.ack, notifier, queue: h.labops.queue.queue, input, actor: h.admin, sequential: true, pollMs: 20 });
    return { out, ...summary };
  }

  it("runs /labops <command>, the shortcuts, and help after any command", async () => {
    const s = await session(["/labops status", "/labops help", "/deploy help", "/labops runner help", "/labops deploy traefik"]);
    expect(s.out).toMatch(/labops status\n {2}queue: \d+ running/);
    expect(s.out).toContain("labops commands for tester (admin)");
    expect(s.out).toContain("Help: /deploy");
    expect(s.out).toContain("/deploy traefik --check");
    expect(s.out).toContain("Help: /runner");
    expect(s.out).toMatch(/✅ Deploy traefik/);
    expect(s).toMatchObject({ commands: 5, failures: 0 });
  }, 60_000);

  it("an unknown command names the nearest one, spelt as typed", async () => {
    const s = await session(["/labops stauts"]);
    expect(s.out).toContain("There is no `/labops stauts` command. Did you mean `/labops status`?");
    expect(s.failures).toBe(1);
  });

  it("before the lookup cache has loaded a name goes to the worker, which checks it; once loaded it is answered at once", async () => {
    const queued = await h.run("/deploy traefk");
    expect(queued.jobId, "not loaded yet: queued, the worker validates").toBeDefined();
    await h.labops.lookups.refresh();
    const s = await session(["/deploy traefk", "/runner destroy nope", "/labops runner destroy runner01"]);
    expect(s.out).toContain("No app in app_list is called `traefk`. Did you mean `traefik`?");
    // An unknown runner is named before any confirmation is asked for.
    expect(s.out).toMatch(/No runner in Proxmox is called `nope`\. Known: `runner01`\./);
    expect(s.out.split("No runner in Proxmox")[0]).not.toContain("Destroy runner nope?");
    expect(s.out).toContain("Destroy runner runner01?");
    expect(s.failures).toBe(2);
  });
});
