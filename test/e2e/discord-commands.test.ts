import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Obj } from "../../lab/discord/objects.ts";
import { createDiscordHarness, type DiscordHarness } from "../helpers/discord-harness.ts";

/** Command names on Discord: `/labops` with every command (groups for `runner`, `app`), plus the shortcuts, through discord.js. */
let d: DiscordHarness;

beforeAll(async () => {
  d = await createDiscordHarness({ harness: { worker: { lockRetryMs: 200 } } });
}, 30_000);

afterAll(async () => {
  await d?.close();
});

const embed = (m: Obj | undefined) => ((m?.embeds as Obj[] | undefined) ?? [])[0] ?? {};
const text = (m: Obj | undefined) => `${String(embed(m).title ?? "")}\n${String(embed(m).description ?? "")}`;

async function reply(name: string, options: Record<string, string | number | boolean> = {}) {
  const r = await d.fake.slash(name, options, { user: "alice", roles: [d.operators] });
  const t0 = Date.now();
  for (;;) {
    const m = d.fake.message(r.messageId!)?.object;
    if (m && embed(m).title) return { r, m };
    if (Date.now() - t0 > 15_000) throw new Error(`no reply to /${name}`);
    await new Promise((res) => setTimeout(res, 20));
  }
}

describe("Discord: /labops and the shortcuts", () => {
  it("registers /labops with a subcommand per command and a group per subcommand root, then only the shortcuts", () => {
    const names = d.fake.commands.map((c) => c.name);
    expect(names[0]).toBe("labops");
    for (const shortcut of ["deploy", "seed-aap", "cleanup-ocp", "runner"]) expect(names).toContain(shortcut);
    for (const taken of ["status", "help", "job", "cancel", "sync", "app", "history"]) expect(names).not.toContain(taken);
    const labops = d.fake.commands[0]!;
    const options = labops.options as Obj[];
    const by = Object.fromEntries(options.map((o) => [o.name, o]));
    expect(by.status).toMatchObject({ type: 1 });
    expect(by.deploy).toMatchObject({ type: 1 });
    expect(by.runner).toMatchObject({ type: 2 });
    expect((by.runner!.options as Obj[]).map((o) => [o.name, o.type])).toEqual([["create", 1], ["status", 1], ["destroy", 1]]);
    expect((by.app!.options as Obj[]).map((o) => o.name)).toEqual(expect.arrayContaining(["list", "show", "add", "remove"]));
    expect((by.help!.options as Obj[])[0]).toMatchObject({ name: "command", type: 3, required: false, autocomplete: true });
  });

  it("/labops status answers privately", async () => {
    const { r, m } = await reply("labops status");
    expect(Number(r.callback.data?.flags ?? 0) & 64).toBe(64);
    expect(text(m)).toContain("labops status");
    expect(text(m)).toMatch(/queue: \d+ running/);
  });

  it("/labops runner status (a group) queues the same job as /runner status", async () => {
    const viaGroup = await reply("labops runner status");
    const viaShortcut = await reply("runner status");
    for (const { m } of [viaGroup, viaShortcut]) expect(text(m)).toMatch(/runner status: queued as job `[0-9a-f]{12}`|Runners/);
  });

  it("/labops help command:deploy shows deploy's usage; /labops help lists the commands", async () => {
    const one = await reply("labops help", { command: "deploy" });
    expect(text(one.m)).toContain("Help: /deploy");
    expect(text(one.m)).toContain("/deploy [<app>] [<apps>...] [--check] [--host <host>]");
    const all = await reply("labops help");
    expect(text(all.m)).toContain("/labops status");
  });

  it("autocompletes the command names for /labops help", async () => {
    const res = await d.fake.autocomplete("labops help", "command", "run", { roles: [d.operators] });
    expect((res.callback.data?.choices as Obj[]).map((c) => c.value)).toEqual(["run", "runner create", "runner status", "runner destroy"]);
  });

  it("/deploy app:traefk is refused privately with did-you-mean, and nothing is queued", async () => {
    await d.h.labops.lookups.refresh();
    const before = await d.h.labops.queue.queue.count();
    const { r, m } = await reply("deploy", { app: "traefk" });
    expect(Number(r.callback.data?.flags ?? 0) & 64).toBe(64);
    expect(text(m)).toContain("No app in app_list is called `traefk`. Did you mean `traefik`?");
    expect(await d.h.labops.queue.queue.count()).toBe(before);
  });
});
