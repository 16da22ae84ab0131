import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const viewer: Actor = { platform: "slack", id: "UVIEWER", name: "vic", groups: [] };
const operator: Actor = { platform: "slack", id: "UOPER", name: "olga", groups: [] };

describe("an app's day two: /app restart, /app logs and /app remove through Master Deploy", () => {
  let h: Harness;
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", h.lab.gitRemote, ...args], { encoding: "utf8" }).trim();
  const final = async (line: string, actor: Actor = operator) => {
    const ack = await h.run(line, actor);
    expect(ack.jobId, renderText(ack)).toBeDefined();
    return { ack, msg: await h.notifier.final(ack.jobId!) };
  };
  const launchesOf = (app: string) => h.lab.aap.launches().filter((l) => l.extraVars.app === app);

  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.nautobotSettings.pollInterval = 20;
        c.permissions.grants.push(
          { role: "viewer", slackUsers: [viewer.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] },
          { role: "operator", slackUsers: [operator.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] },
        );
      },
    });
  });
  afterAll(() => h.close());

  it("restarts grafana's container on its host with app_action restart, limited to that host", async () => {
    const before = h.lab.aap.docker.get("docker01", "grafana")!.restarts;
    const { msg } = await final("/labops app restart grafana");
    expect(msg.state, renderText(msg)).toBe("success");
    expect(msg.title).toBe("Restart grafana → docker01: restarted");
    expect(launchesOf("grafana").at(-1)).toMatchObject({ templateName: "Master Deploy", limit: "docker01", extraVars: { app: "grafana", target_host: "docker01", app_action: "restart" } });
    expect(h.lab.aap.docker.get("docker01", "grafana")!.restarts).toBe(before + 1);
    // The deploy tasks were skipped, not run: nothing was pulled or recreated.
    expect(renderText(msg)).toMatch(/docker01 ok=\d+ changed=1 unreachable=0 failed=0 skipped=8/);
  });

  it("shows the last log lines, bounded, read from the job's output; a viewer may not read them", async () => {
    const { msg } = await final("/labops app logs grafana --lines 3");
    expect(msg.state, renderText(msg)).toBe("success");
    expect(launchesOf("grafana").at(-1)?.extraVars).toMatchObject({ app_action: "logs", app_log_lines: 3 });
    const shown = (msg.lines ?? []).filter((l) => l.startsWith("`"));
    expect(shown).toHaveLength(3);
    expect(shown.at(-1)).toMatch(/^`\d{4}-\d\d-\d\dT[\d:.]+Z grafana: ready`$/);
    expect(msg.lines?.[0]).toBe("3 line(s):");

    // A long, noisy log: the newest lines that fit, control characters and backticks made harmless.
    const c = h.lab.aap.docker.get("docker01", "grafana")!;
    for (let i = 0; i < 300; i++) c.log.push(`2026-12-04T20:00:${String(i % 60).padStart(2, "0")}.000000000Z line ${i} \u001b[31mred\u001b[0m \`x\` ${"y".repeat(i === 299 ? 500 : 10)}`);
    const big = await final("/labops app logs grafana --lines 1000");
    const text = (big.msg.lines ?? []).join("\n");
    expect(text.length).toBeLessThan(3_200);
    expect(big.msg.lines?.[0]).toMatch(/^Newest \d+ of \d+ line\(s\) read/);
    expect(text).not.toContain("\u001b");
    expect(text).toContain("line 299 red 'x' yyy");
    expect(big.msg.lines?.at(-1)?.length).toBeLessThanOrEqual(242);

    const denied = await h.run("/labops app logs grafana", viewer);
    expect(renderText(denied)).toContain("needs the operator role");
    const bad = await h.run("/labops app logs grafana --lines 5000");
    expect(bad.jobId).toBeUndefined();
  });

  it("refuses restart or logs of an app with no container, as the playbook does", async () => {
    h.lab.aap.docker.remove("docker02", "vaultwarden");
    const { msg } = await final("/labops app restart vaultwarden");
    expect(msg.state).toBe("failure");
    expect(renderText(msg)).toContain("No container vaultwarden on docker02: deploy it first.");
    const wrongHost = await final("/labops app logs vaultwarden --host docker01");
    expect(renderText(wrongHost.msg)).toContain("`vaultwarden` runs on `docker02`");
  });

  it("removes uptime-kuma for real: after the confirmation its container goes, then its app_list entry", async () => {
    expect(h.lab.aap.docker.get("docker01", "uptime-kuma")).toBeDefined();
    // It stops a service for everyone: an admin's command, refused to an operator at acknowledgement.
    const refused = await h.run("/labops app remove uptime-kuma", operator);
    expect(refused.state).toBe("failure");
    expect(renderText(refused)).toContain("needs the admin role");
    const ask = await h.run("/labops app remove uptime-kuma", h.admin);
    expect(ask.state).toBe("warning");
    expect(renderText(ask)).toContain("stops and removes the `uptime-kuma` container on its host");
    expect(launchesOf("uptime-kuma")).toHaveLength(0); // nothing before the click
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons![0]!.id, actor: h.admin, channel: h.channel });
    const msg = await h.notifier.final(clicked.reply!.jobId!);
    expect(msg.state, renderText(msg)).toBe("success");
    expect(renderText(msg)).toContain("Container `uptime-kuma` stopped and removed on docker01");
    expect(launchesOf("uptime-kuma")).toMatchObject([{ limit: "docker01", extraVars: { app_action: "remove", target_host: "docker01" } }]);
    expect(h.lab.aap.docker.get("docker01", "uptime-kuma")).toBeUndefined();
    expect(git("log", "-1", "--format=%s", "main")).toBe("app_list: remove uptime-kuma");
  });

  it("leaves app_list alone when the container cannot be removed, and --keep-container only drops the entry", async () => {
    const head = git("rev-parse", "main");
    h.lab.aap.failNextJob("Master Deploy", { task: "docker_app : Remove container", msg: "Error removing container: driver failed" });
    const ask = await h.run("/labops app remove portainer", h.admin);
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons![0]!.id, actor: h.admin, channel: h.channel });
    const failed = await h.notifier.final(clicked.reply!.jobId!);
    expect(failed.state).toBe("failure");
    expect(renderText(failed)).toContain("`portainer` stays in app_list");
    expect(git("rev-parse", "main")).toBe(head);

    const keep = await h.run("/labops app remove portainer --keep-container", h.admin);
    expect(renderText(keep)).toContain("The running container is left as it is");
    const ok = await dispatchAction(h.labops.ack, { actionId: keep.buttons![0]!.id, actor: h.admin, channel: h.channel });
    const done = await h.notifier.final(ok.reply!.jobId!);
    expect(done.state, renderText(done)).toBe("success");
    expect(h.lab.aap.docker.get("docker01", "portainer")).toBeDefined();
    expect(git("log", "-1", "--format=%s", "main")).toBe("app_list: remove portainer");
  });
});
