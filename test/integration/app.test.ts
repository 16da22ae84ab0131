import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const ORIGINAL = readFileSync(new URL("../../config_contexts/app_list.yml", import.meta.url), "utf8");
const viewer: Actor = { platform: "slack", id: "UVIEWER", name: "vic", groups: [] };

describe("/app: app_list through Git and Nautobot's sync, then /deploy", () => {
  let h: Harness;
  const git = (...args: string[]) => execFileSync("git", ["--git-dir", h.lab.gitRemote, ...args], { encoding: "utf8" }).trim();
  const fileOnMain = () => execFileSync("git", ["--git-dir", h.lab.gitRemote, "show", "main:config_contexts/app_list.yml"], { encoding: "utf8" });
  const nautobotApps = () => (h.lab.nautobot.contextData("app_list")?.app_list ?? {}) as Record<string, { image: string; host: string }>;
  const final = async (line: string, actor?: Actor) => {
    const ack = await h.run(line, actor);
    expect(ack.jobId, renderText(ack)).toBeDefined();
    return { ack, msg: await h.notifier.final(ack.jobId!) };
  };
  const confirmAndRun = async (line: string) => {
    const ask = await h.run(line);
    expect(ask.state).toBe("warning");
    const clicked = await dispatchAction(h.labops.ack, { actionId: ask.buttons![0]!.id, actor: h.admin, channel: h.channel });
    return { ask, msg: await h.notifier.final(clicked.reply!.jobId!), jobId: clicked.reply!.jobId! };
  };

  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.nautobotSettings.pollInterval = 20;
        c.permissions.grants.push({ role: "viewer", slackUsers: [viewer.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
  });
  afterAll(async () => {
    await h.close();
  });

  it("lists and shows apps from Nautobot, with close matches for a typo", async () => {
    const list = await final("/app list", viewer);
    expect(list.msg.state).toBe("success");
    expect(renderText(list.msg)).toContain("`traefik` · traefik:v3.1 on edge01 · 80:80, 443:443, 8080:8080");
    // app_list has been read once now: a read-only show is answered from that copy, in one private message, without a job.
    const show = await h.run("/labops app show grafana", viewer);
    expect(show.jobId).toBeUndefined();
    expect(show.ephemeral).toBe(true);
    expect(show.fields).toContainEqual({ label: "env", value: "GF_SERVER_ROOT_URL=https://grafana.lab.home.arpa" });
    expect(show.footer).toMatch(/^app_list as of \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
    const cachedList = await h.run("/labops app list", viewer);
    expect(cachedList.jobId).toBeUndefined();
    expect(renderText(cachedList)).toContain("`traefik` · traefik:v3.1 on edge01 · 80:80, 443:443, 8080:8080");
    const typo = await final("/app show grafna", viewer);
    expect(typo.msg.state).toBe("failure");
    expect(renderText(typo.msg)).toContain("Did you mean `grafana`?");
    const denied = await h.run("/app add x --image a:1 --host docker01", viewer);
    expect(renderText(denied)).toContain("needs the operator role");
  });

  it("adds homepage with a commit in the bare repo, Nautobot shows it after sync, and /deploy homepage succeeds", async () => {
    const { ack, msg } = await final("/app add homepage --image ghcr.io/gethomepage/homepage:v0.9.6 --host docker01 --port 3002:3000 --env TZ=Europe/Berlin");
    expect(msg.state, renderText(msg)).toBe("success");
    expect(renderText(msg)).toContain("Nautobot's app_list lists `homepage`");

    const body = git("log", "-1", "--format=%B", "main");
    expect(body).toContain("app_list: add homepage (ghcr.io/gethomepage/homepage:v0.9.6 on docker01)");
    expect(body).toContain("Requested by tester (terminal)");
    expect(body).toContain(`Labops-Job: ${ack.jobId}`);
    expect(git("log", "-1", "--format=%an <%ae>", "main")).toBe("labops <labops@localhost>");
    const text = fileOnMain();
    expect(text.startsWith(ORIGINAL)).toBe(true); // comments and every other entry untouched
    expect(text.slice(ORIGINAL.length)).toBe(
      '  homepage:\n    host: docker01\n    image: ghcr.io/gethomepage/homepage:v0.9.6\n    ports: ["3002:3000"]\n    env: {TZ: "Europe/Berlin"}\n',
    );
    expect(nautobotApps().homepage).toMatchObject({ host: "docker01", image: "ghcr.io/gethomepage/homepage:v0.9.6", ports: ["3002:3000"] });

    const deploy = await final("/deploy homepage");
    expect(deploy.msg.state).toBe("success");
    expect(h.lab.aap.launches().filter((l) => l.extraVars.app === "homepage")).toMatchObject([{ templateName: "Master Deploy", limit: "docker01" }]);
  });

  it("refuses an app that already exists, and commits nothing", async () => {
    const head = git("rev-parse", "main");
    const { msg } = await final("/app add grafana --image grafana/grafana:11.3.0 --host docker01");
    expect(msg.state).toBe("failure");
    expect(renderText(msg)).toContain("App `grafana` is already in app_list (grafana/grafana:11.2.0 on docker01)");
    expect(git("rev-parse", "main")).toBe(head);
  });

  it("refuses bad input with clear messages: port, unknown host, unpinned image, port clash", async () => {
    const head = git("rev-parse", "main");
    const badPort = await h.run("/app add whoami --image traefik/whoami:v1.10 --host docker02 --port 8090:");
    expect(badPort.state).toBe("failure");
    expect(renderText(badPort)).toContain("a port mapping HOST:CONTAINER");
    const badPort2 = await h.run("/app add whoami --image traefik/whoami:v1.10 --host docker02 --port 99999:80");
    expect(renderText(badPort2)).toContain("ports must be between 1 and 65535");

    const host = await final("/app add whoami --image traefik/whoami:v1.10 --host dokcer02");
    expect(renderText(host.msg)).toContain("No device or VM `dokcer02` in Nautobot. Did you mean `docker02`?");
    const latest = await final("/app add whoami --image traefik/whoami:latest --host docker02");
    expect(renderText(latest.msg)).toContain("uses `latest`: pin a version");
    const untagged = await final("/app add whoami --image Traefik/Whoami --host docker02");
    expect(renderText(untagged.msg)).toContain("is not an image reference");
    const clash = await final("/app add whoami --image traefik/whoami:v1.10 --host docker01 --port 3000:80");
    expect(renderText(clash.msg)).toContain("Host port 3000/tcp on docker01 is already published by `grafana`");
    expect(git("rev-parse", "main")).toBe(head);
  });

  it("removes an app after confirmation, in Git and in Nautobot", async () => {
    const { msg } = await confirmAndRun("/app remove uptime-kuma");
    expect(msg.state, renderText(msg)).toBe("success");
    expect(git("log", "-1", "--format=%s", "main")).toBe("app_list: remove uptime-kuma");
    expect(fileOnMain()).not.toContain("uptime-kuma:");
    expect(fileOnMain()).toContain("# The homelab's app catalogue");
    expect(nautobotApps()["uptime-kuma"]).toBeUndefined();
    expect(renderText(msg)).toContain("Container `uptime-kuma` stopped and removed on docker01");
    expect(h.lab.aap.docker.get("docker01", "uptime-kuma")).toBeUndefined();
  });

  it("commits once even when the job is retried after the push (sync request fails once)", async () => {
    h.lab.nautobot.http.inject({ method: "POST", path: /\/sync\/$/, status: 500, times: 1 });
    const before = Number(git("rev-list", "--count", "main"));
    const { ack, msg } = await final("/app add whoami --image traefik/whoami:v1.10 --host docker02 --port 8090:80");
    expect(msg.state, renderText(msg)).toBe("success");
    const history = h.notifier.forJob(ack.jobId!)!.history.flatMap((m) => m.lines ?? []);
    expect(history.some((l) => l.includes("failed; retrying"))).toBe(true);
    expect(Number(git("rev-list", "--count", "main"))).toBe(before + 1);
    expect(git("log", "main", "--format=%H", `--grep=Labops-Job: ${ack.jobId}`).split("\n")).toHaveLength(1);
    expect(nautobotApps().whoami?.host).toBe("docker02");
  });

  it("reports errors that Nautobot's sync logs while the job still ends SUCCESS", async () => {
    pushBrokenFile(h.lab.gitRemote);
    const { msg } = await final("/app add dozzle --image amir20/dozzle:v8.5.0 --host docker02 --port 8091:8080");
    expect(msg.state).toBe("success");
    const text = renderText(msg);
    expect(msg.title).toContain("sync reported errors");
    expect(text).toContain("Nautobot's sync succeeded but logged 1 error(s)");
    expect(text).toMatch(/sync: Error in loading config context data from `broken\.yml`/);
    expect(nautobotApps().dozzle?.image).toBe("amir20/dozzle:v8.5.0");
  });
});

/** Someone else pushes a file Nautobot cannot load (and moves the branch on). */
function pushBrokenFile(remote: string): void {
  const dir = mkdtempSync(join(tmpdir(), "app-test-"));
  const g = (...args: string[]) => execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir, stdio: "pipe" });
  try {
    g("clone", "-q", remote, "w");
    writeFileSync(join(dir, "w/config_contexts/broken.yml"), "_metadata: {name: broken\nkey: [unclosed\n");
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], { cwd: join(dir, "w") });
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "broken"], { cwd: join(dir, "w") });
    execFileSync("git", ["push", "-q", "origin", "HEAD:main"], { cwd: join(dir, "w") });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
