import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackHarness, headerOf, MANIFEST_COMMANDS, type SlackHarness } from "../helpers/slack-harness.ts";

/** Command names as a Slack workspace has them: the manifest's commands only, through the real Bolt and the fake Slack. */
describe("Slack: /labops and the shortcuts", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness({ stepMs: 10 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const text = (ack: { payload: Record<string, unknown> }) => String(ack.payload.text);

  it("the workspace has /labops and the shortcuts; Slack keeps /status for itself", async () => {
    expect(MANIFEST_COMMANDS).toEqual(["/labops", "/cleanup-ocp", "/deploy", "/runner", "/seed-aap"]);
    await expect(h.slack.slash("/status", "", { user: "U0ALICE" })).rejects.toThrow(/built-in/);
    await expect(h.slack.slash("/app", "list", { user: "U0ALICE" })).rejects.toThrow(/not a slash command of this app/);
  });

  it("/labops status answers in one private message and posts nothing in the channel", async () => {
    const before = h.slack.messages().length;
    const ack = await h.slack.slash("/labops", "status", { user: "U0ALICE" });
    expect(ack.payload.response_type).toBe("ephemeral");
    expect(headerOf(ack.payload.blocks as unknown[])).toContain("labops status");
    expect(text(ack)).toMatch(/queue: \d+ running/);
    expect(h.slack.messages().length).toBe(before);
  });

  it("/runner status, /labops runner status, /labops alerts list and /labops schedule list answer in one private message each", async () => {
    await h.labops.lookups.refresh(); // the background read a front end starts (the runner containers for /runner status)
    const before = h.slack.messages().length;
    for (const [cmd, args, header] of [["/runner", "status", "Runners: 1 (1 running)"], ["/labops", "runner status", "Runners: 1 (1 running)"],
      ["/labops", "alerts list", "Alert mutes (0)"], ["/labops", "schedule list", "Schedules (0)"]] as const) {
      const ack = await h.slack.slash(cmd, args, { user: "U0ALICE" });
      expect(ack.payload.response_type).toBe("ephemeral");
      expect(headerOf(ack.payload.blocks as unknown[]), `${cmd} ${args}`).toContain(header);
      expect(text(ack)).not.toContain("queued as job");
    }
    await new Promise((r) => setTimeout(r, 200));
    expect(h.slack.messages().length).toBe(before); // nothing in the channel
  });

  it("/labops deploy traefik runs the same job as /deploy traefik", async () => {
    const ack = await h.slack.slash("/labops", "deploy traefik", { user: "U0ALICE" });
    const jobId = /queued as job `([0-9a-f]{12})`/.exec(text(ack))?.[1];
    expect(jobId, text(ack)).toBeDefined();
    const final = await h.final(jobId!);
    expect(headerOf(final.blocks)).toMatch(/^✅ Deploy traefik/);
  });

  it("/deploy help, /labops deploy help and /labops help deploy answer with the usage, options and examples", async () => {
    for (const [cmd, args] of [["/deploy", "help"], ["/labops", "deploy help"], ["/labops", "help deploy"]] as const) {
      const ack = await h.slack.slash(cmd, args, { user: "U0ALICE" });
      expect(ack.payload.response_type).toBe("ephemeral");
      expect(headerOf(ack.payload.blocks as unknown[]), `${cmd} ${args}`).toContain("Help: /deploy");
      expect(text(ack)).toContain("/deploy [<app>] [<apps>...] [--check] [--host <host>]");
      expect(text(ack)).toContain("--check — Dry run (Ansible check mode)");
      expect(text(ack)).toContain("/deploy traefik --check");
      expect(text(ack)).toContain("role: operator");
    }
  });

  it("/runner help and /runner alone list the runner subcommands; /labops help lists the asker's commands", async () => {
    for (const args of ["help", ""]) {
      const ack = await h.slack.slash("/runner", args, { user: "U0ALICE" });
      expect(text(ack)).toContain("/runner create [<name>] [--node <node>]");
      expect(text(ack)).toContain("/runner destroy <name>");
    }
    const all = await h.slack.slash("/labops", "help", { user: "U0ALICE" });
    expect(text(all)).toContain("/labops status");
    expect(text(all)).toContain("/deploy [<app>] [<apps>...]");
    // The list is longer than the notification text (3000 characters): the closing line is in the blocks.
    expect(JSON.stringify(all.payload.blocks)).toContain("/labops help &lt;command&gt;");
    expect(text(all)).not.toContain("/runner destroy"); // alice is an operator; destroy needs admin
    const bare = await h.slack.slash("/labops", "", { user: "U0ALICE" });
    expect(headerOf(bare.payload.blocks as unknown[])).toContain("labops commands for alice");
  });

  it("a typo is answered privately at acknowledgement with did-you-mean: no job, nothing in the channel", async () => {
    await h.labops.lookups.refresh();
    const before = { messages: h.slack.messages().length, jobs: await h.labops.queue.queue.count() };
    for (const [cmd, args, expected] of [
      ["/deploy", "traefk", "No app in app_list is called `traefk`. Did you mean `traefik`?"],
      ["/labops", "deploy traefk", "No app in app_list is called `traefk`. Did you mean `traefik`?"],
      ["/deploy", "traefik --host dokcer02", "No host in Nautobot is called `dokcer02`. Did you mean `docker02`?"],
      ["/labops", "app show grafna", "No app in app_list is called `grafna`. Did you mean `grafana`?"],
      ["/runner", "create --node pve9", "No Proxmox node is called `pve9`. Did you mean `pve01` or `pve02` or `pve03`?"],
    ] as const) {
      const ack = await h.slack.slash(cmd, args, { user: "U0ALICE" });
      expect(ack.payload.response_type, `${cmd} ${args}`).toBe("ephemeral");
      expect(text(ack), `${cmd} ${args}`).toContain(expected);
      expect(text(ack)).toContain("Nothing was queued");
      expect(ack.latencyMs).toBeLessThan(3_000);
    }
    expect(h.slack.messages().length).toBe(before.messages);
    expect(await h.labops.queue.queue.count()).toBe(before.jobs);
    const history = await h.labops.ack.audit.recent({ limit: 50 });
    expect(history.filter((e) => e.event === "command" && /traefk|grafna|dokcer02|pve9/.test(e.detail ?? ""))).toEqual([]);
  });

  it("read-only /labops app list and app show answer in one private message, without a job or a channel post", async () => {
    await h.labops.lookups.refresh(); // the background read that fills app_list's copy
    const before = { messages: h.slack.messages().length, jobs: await h.labops.queue.queue.count() };
    const list = await h.slack.slash("/labops", "app list", { user: "U0ALICE" });
    expect(list.payload.response_type).toBe("ephemeral");
    expect(text(list)).toContain("`traefik` · traefik:v3.1 on edge01");
    expect(text(list)).toMatch(/app_list as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const show = await h.slack.slash("/labops", "app show grafana", { user: "U0ALICE" });
    expect(headerOf(show.payload.blocks as unknown[])).toContain("App grafana");
    expect(h.slack.messages().length).toBe(before.messages);
    expect(await h.labops.queue.queue.count()).toBe(before.jobs);
  });
});
