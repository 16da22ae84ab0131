import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

describe("/deploy of several apps and /deploy --all-on <host>: one job per app, each under its own lock", () => {
  let h: Harness;
  const finals = (ids: string[]) => Promise.all(ids.map((id) => h.notifier.final(id)));

  beforeAll(async () => {
    h = await createHarness();
    await h.labops.lookups.refresh(); // names and app_list as the bot reads them in the background
  });
  afterAll(() => h.close());

  it("deploys traefik and grafana as two jobs, each on its own host; a redelivery queues nothing more", async () => {
    const requestId = randomUUID();
    const req = { root: "deploy", text: "traefik grafana", actor: h.admin, channel: h.channel, requestId };
    const ack = await dispatchCommand(h.labops.ack, req);
    expect(ack.jobIds, renderText(ack)).toHaveLength(2);
    expect(ack.title).toBe("/deploy: 2 apps queued, one job each");
    expect(ack.lines?.[0]).toBe(`\`traefik\`: job \`${ack.jobIds![0]}\``);
    const again = await dispatchCommand(h.labops.ack, req);
    expect(again.jobIds).toEqual(ack.jobIds);
    expect(renderText(again)).toContain("(already received)");
    const done = await finals(ack.jobIds!);
    expect(done.map((m) => [m.title.split(":")[0], m.state])).toEqual([["Deploy traefik → edge01", "success"], ["Deploy grafana → docker01", "success"]]);
    const launches = h.lab.aap.launches().filter((l) => ["traefik", "grafana"].includes(String(l.extraVars.app)));
    expect(launches.map((l) => [l.extraVars.app, l.limit]).sort()).toEqual([["grafana", "docker01"], ["traefik", "edge01"]]);
  });

  it("--all-on docker01 deploys every app whose host is docker01, from the app_list copy, each one only there", async () => {
    const before = h.lab.aap.launches().length;
    const ack = await h.run("/deploy --all-on docker01 --check");
    expect(ack.jobIds, renderText(ack)).toHaveLength(3);
    expect(ack.title).toBe("/deploy: 3 apps queued, one job each (every app on docker01)");
    await finals(ack.jobIds!);
    const launches = h.lab.aap.launches().slice(before);
    expect(launches.map((l) => l.extraVars.app).sort()).toEqual(["grafana", "portainer", "uptime-kuma"]);
    expect(launches.every((l) => l.limit === "docker01" && l.extraVars.target_host === "docker01" && l.jobType === "check")).toBe(true);
    // Each app has its own lock: no app was deployed twice at once.
    for (const app of ["grafana", "portainer", "uptime-kuma"]) expect(h.lab.aap.maxConcurrent("Master Deploy", app)).toBe(1);
  });

  it("refuses at acknowledgement, privately and without a job: a typo, a host with no apps, mixed forms", async () => {
    const typo = await h.run("/deploy traefik grafna");
    expect(typo.jobId).toBeUndefined();
    expect(renderText(typo)).toContain("Did you mean `grafana`?");
    const none = await h.run("/deploy --all-on runner01");
    expect(renderText(none)).toContain("No app of app_list runs on `runner01`");
    const mixed = await h.run("/deploy traefik --all-on docker01");
    expect(renderText(mixed)).toContain("not both");
    const host = await h.run("/deploy traefik grafana --host docker02");
    expect(renderText(host)).toContain("`--host` picks one app's host");
    const nothing = await h.run("/deploy");
    expect(renderText(nothing)).toContain("Name an app");
    const twice = await h.run("/deploy traefik traefik");
    expect(renderText(twice)).toContain("named twice");
    for (const m of [typo, none, mixed, host, nothing, twice]) expect(m.jobIds).toBeUndefined();
  });
});
