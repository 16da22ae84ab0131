import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const viewer: Actor = { platform: "slack", id: "UVIEWER", name: "vic", groups: [] };
const operator: Actor = { platform: "slack", id: "UOPER", name: "olga", groups: [] };

describe("/app set: change an entry like /app add, then Deploy", () => {
  let h: Harness;
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", h.lab.gitRemote, ...args], { encoding: "utf8" }).trim();
  const nautobotApps = () => (h.lab.nautobot.contextData("app_list")?.app_list ?? {}) as Record<string, Record<string, unknown>>;
  const final = async (line: string, actor?: Actor) => {
    const ack = await h.run(line, actor);
    expect(ack.jobId, renderText(ack)).toBeDefined();
    return { ack, msg: await h.notifier.final(ack.jobId!) };
  };

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

  it("bumps the image and ports of grafana in one commit, Nautobot shows it, and Deploy deploys the new entry", async () => {
    const before = execFileSync("git", ["--git-dir", h.lab.gitRemote, "show", "main:config_contexts/app_list.yml"], { encoding: "utf8" });
    const { ack, msg } = await final("/labops app set grafana --image grafana/grafana:11.3.0 --port 3000 --port 3010:3010", operator);
    expect(msg.state, renderText(msg)).toBe("success");
    expect(git("log", "-1", "--format=%s", "main")).toBe("app_list: set grafana image, ports (grafana/grafana:11.3.0)");
    expect(git("log", "-1", "--format=%B", "main")).toContain(`Labops-Job: ${ack.jobId}`);
    const after = execFileSync("git", ["--git-dir", h.lab.gitRemote, "show", "main:config_contexts/app_list.yml"], { encoding: "utf8" });
    // Only grafana's two lines changed; comments and every other entry are untouched.
    const changed = after.split("\n").filter((l, i) => l !== before.split("\n")[i]);
    expect(changed).toEqual(["    image: grafana/grafana:11.3.0", '    ports: ["3000:3000", "3010:3010"]']);
    expect(nautobotApps().grafana).toMatchObject({ image: "grafana/grafana:11.3.0", ports: ["3000:3000", "3010:3010"], host: "docker01", alternate_hosts: ["docker02"] });
    const text = renderText(msg);
    expect(text).toContain("image: grafana/grafana:11.2.0 → grafana/grafana:11.3.0");
    expect(text).toContain("ports: 3000:3000 → 3000:3000, 3010:3010");
    const deploy = msg.buttons?.find((b) => b.label === "Deploy grafana");
    expect(deploy).toBeDefined();

    // A viewer cannot use the button; the operator's click is /deploy grafana, once.
    const refused = await dispatchAction(h.labops.ack, { actionId: deploy!.id, actor: viewer, channel: h.channel });
    expect(renderText(refused.reply!)).toContain("needs the operator role");
    const clicked = await dispatchAction(h.labops.ack, { actionId: deploy!.id, actor: operator, channel: h.channel });
    const done = await h.notifier.final(clicked.reply!.jobId!);
    expect(done.state, renderText(done)).toBe("success");
    const again = await dispatchAction(h.labops.ack, { actionId: deploy!.id, actor: operator, channel: h.channel });
    expect(renderText(again.reply!)).toContain("already received");
    const launches = h.lab.aap.launches().filter((l) => l.extraVars.app === "grafana");
    expect(launches).toMatchObject([{ templateName: "Master Deploy", limit: "docker01" }]);
  });

  it("refuses latest unless --allow-latest (deploy.latestTag warn), and then warns", async () => {
    const head = git("rev-parse", "main");
    const refused = await final("/labops app set uptime-kuma --image louislam/uptime-kuma:latest", operator);
    expect(refused.msg.state).toBe("failure");
    expect(renderText(refused.msg)).toContain("add `--allow-latest` to accept a moving tag");
    const untagged = await final("/labops app set uptime-kuma --image louislam/uptime-kuma", operator);
    expect(renderText(untagged.msg)).toContain("has no tag (Docker reads it as `latest`)");
    expect(git("rev-parse", "main")).toBe(head);
    const allowed = await final("/labops app set uptime-kuma --image louislam/uptime-kuma:latest --allow-latest", operator);
    expect(allowed.msg.state, renderText(allowed.msg)).toBe("success");
    expect(renderText(allowed.msg)).toContain("a redeploy may run another version");
    expect(nautobotApps()["uptime-kuma"]?.image).toBe("louislam/uptime-kuma:latest");
  });

  it("refuses what /app add refuses, and an empty change, before committing", async () => {
    const head = git("rev-parse", "main");
    const empty = await h.run("/labops app set grafana", operator);
    expect(empty.jobId).toBeUndefined();
    expect(renderText(empty)).toContain("Nothing to change");
    const denied = await h.run("/labops app set grafana --image grafana/grafana:11.4.0", viewer);
    expect(renderText(denied)).toContain("needs the operator role");
    const clash = await final("/labops app set grafana --port 9443:3000", operator);
    expect(renderText(clash.msg)).toContain("Host port 9443/tcp on docker01 is already published by `portainer`");
    const mount = await final("/labops app set grafana --volume /etc:/etc/grafana", operator);
    expect(renderText(mount.msg)).toContain("system directory");
    const tmpl = await h.run("/labops app set grafana --env A={{lookup('pipe','id')}}", operator);
    expect(renderText(tmpl)).toContain("must not contain {{");
    const same = await final("/labops app set grafana --image grafana/grafana:11.3.0", operator);
    expect(renderText(same.msg)).toContain("nothing to change");
    expect(git("rev-parse", "main")).toBe(head);
  });
});
