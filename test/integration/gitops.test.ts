import { execFileSync } from "node:child_process";
import { renameSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { isFinalState, renderText, type Message } from "../../src/core/message.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createLabops, type Labops } from "../../src/create-labops.ts";
import { createLogger } from "../../src/logger.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { commitToRemote } from "../helpers/git-commit.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import type { Recorded } from "../helpers/recording-notifier.ts";

const viewer: Actor = { platform: "slack", id: "UVIEW", name: "vic", groups: [] };
const operator: Actor = { platform: "slack", id: "UOPS", name: "olga", groups: [] };

describe("GitOps watcher: a real bare repository, two workers on one prefix", () => {
  let h: Harness;
  let second: Labops;
  const inGitops = (m: Recorded) => m.ref.channel === "gitops";
  const last = (m: Recorded) => m.history.at(-1)!;
  const syncMessages = () => [...h.notifier.messages.values()].filter((m) => inGitops(m) && last(m).title.startsWith("GitOps: main"));
  const finalSyncTo = (sha: string) => h.notifier.waitFor((m) => inGitops(m) && isFinalState(last(m).state) && last(m).title.includes(`→ ${sha.slice(0, 8)}`), 40_000).then(last);
  const alerts = (text: string) => [...h.notifier.messages.values()].filter((m) => inGitops(m) && m.history.some((x) => x.title.includes(text)));
  const syncJobs = async () => (await h.labops.queue.queue.getJobs(["completed", "failed", "active", "waiting", "delayed"])).filter((j) => j.name === "gitops.sync");
  const state = () => h.labops.workerDeps.gitops!.state.get();
  /** A quick job's final message: its first post may already be the final state, so it is found by title once the job is done. */
  const answer = async (jobId: string, title: string) => {
    await waitUntil(async () => (await h.labops.queue.queue.getJob(jobId))?.finishedOn, 20_000, `job ${jobId}`);
    const found = await h.notifier.waitFor((m) => last(m).title === title && isFinalState(last(m).state) && !seen.has(m.ref.messageId));
    seen.add(found.ref.messageId);
    return last(found);
  };
  const seen = new Set<string>();
  const head = () => execFileSync("git", ["--git-dir", h.lab.gitRemote, "rev-parse", "main"], { encoding: "utf8" }).trim();

  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.gitops.interval = 300;
        c.gitops.channel = "terminal:gitops";
        c.nautobotSettings.pollInterval = 20;
        c.permissions.grants.push(
          { role: "viewer", slackUsers: [viewer.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] },
          { role: "operator", slackUsers: [operator.id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] },
        );
      },
    });
    // A second worker process on the same Redis prefix (another host in production).
    second = createLabops({ config: h.config, log: createLogger({ level: "silent" }), notifiers: new NotifierRegistry().register("terminal", h.notifier), probe: h.lab.probe });
    await second.ready();
    second.startWorker();
    await waitUntil(async () => (await state()).rev === head(), 20_000, "the baseline revision");
  }, 60_000);
  afterAll(async () => {
    await second?.close();
    await h?.close();
  });

  it("a commit changing app_list makes one sync job (with two workers), names the apps, and Deploy deploys the right one", async () => {
    const before = head();
    const to = commitToRemote(h.lab.gitRemote, {
      message: "traefik 3.2 and a whoami app",
      files: {
        "config_contexts/app_list.yml": (t) =>
          t.replace("image: traefik:v3.1", "image: traefik:v3.2") + '  whoami:\n    host: docker01\n    image: traefom/whoami:v1.10\n    ports: ["8081:80"]\n',
      },
    });
    const msg = await finalSyncTo(to);
    const text = renderText(msg);
    expect(msg.state, text).toBe("success");
    expect(text).toContain(`GitOps: main ${before.slice(0, 8)} → ${to.slice(0, 8)}: synced`);
    expect(text).toMatch(new RegExp(`\`${to.slice(0, 7)}[0-9a-f]*\` Ada Lovelace: traefik 3.2 and a whoami app`));
    expect(text).toContain("✅ Nautobot Git sync — repository labops synced");
    expect(text).toMatch(/✅ AAP project update — update \d+ successful/);
    expect(text).toMatch(/✅ AAP inventory source update — update \d+ successful/);
    expect(text).toContain("app_list added: `whoami`");
    expect(text).toContain("app_list changed: `traefik` (image)");
    expect(msg.buttons?.map((b) => b.label)).toEqual(["Deploy whoami", "Deploy traefik"]);
    expect((h.lab.nautobot.contextData("app_list")?.app_list as Record<string, { image: string }>).traefik?.image).toBe("traefik:v3.2");

    // Several more intervals on both workers: still one sync job, one message.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await syncJobs()).length).toBe(1);
    expect(syncMessages().filter((m) => last(m).title.includes(to.slice(0, 8))).length).toBe(1);
    expect((await state()).rev).toBe(to);

    const traefik = msg.buttons!.find((b) => b.label === "Deploy traefik")!;
    const refused = await dispatchAction(h.labops.ack, { actionId: traefik.id, actor: viewer, channel: h.channel });
    expect(renderText(refused.reply!)).toContain("needs the operator role");
    const clicked = await dispatchAction(h.labops.ack, { actionId: traefik.id, actor: operator, channel: h.channel });
    expect(clicked.reply?.jobId, renderText(clicked.reply!)).toBeDefined();
    const deployed = await h.notifier.final(clicked.reply!.jobId!, 40_000);
    expect(deployed.state, renderText(deployed)).toBe("success");
    const launches = h.lab.aap.launches().filter((l) => l.templateName === "Master Deploy");
    expect(launches.map((l) => [l.extraVars.app, l.limit])).toEqual([["traefik", "edge01"]]);
    const again = await dispatchAction(h.labops.ack, { actionId: traefik.id, actor: operator, channel: h.channel });
    expect(renderText(again.reply!)).toContain("already received");
  }, 90_000);

  it("reports the error Nautobot logs for a bad file while its job still ends SUCCESS", async () => {
    const to = commitToRemote(h.lab.gitRemote, { message: "a broken context", files: { "config_contexts/broken.yml": () => "_metadata: [not: a: mapping\n" } });
    const msg = await finalSyncTo(to);
    const text = renderText(msg);
    expect(text).toContain("GitOps: main");
    expect(text).toContain("synced, with errors");
    expect(text).toContain("⚠️ Nautobot Git sync — SUCCESS, but 1 error(s) in the log");
    expect(text).toContain("broken.yml");
    expect(text).toContain("app_list: no app changed.");
    expect(msg.buttons ?? []).toEqual([]);
    const s = await state();
    expect(s.resultState).toBe("warning");
  }, 60_000);

  it("a force-push raises one alert and is still synced once", async () => {
    const old = head();
    const to = commitToRemote(h.lab.gitRemote, { message: "rewritten", resetTo: "HEAD~1", force: true, files: { "README.md": () => "rewritten\n" } });
    const msg = await finalSyncTo(to);
    expect(renderText(msg)).toContain("was force-pushed");
    await waitUntil(() => alerts("was force-pushed").length > 0, 20_000, "the force-push alert");
    await new Promise((r) => setTimeout(r, 1_500));
    const posted = alerts("GitOps: main was force-pushed");
    expect(posted.length).toBe(1);
    expect(renderText(last(posted[0]!))).toContain(`from \`${old.slice(0, 8)}\` to \`${to.slice(0, 8)}\``);
    expect((await syncJobs()).filter((j) => j.data.args.to === to).length).toBe(1);
  }, 60_000);

  it("an unreachable remote raises one alert per outage, not one per interval, and /gitops status says so", async () => {
    const moved = `${h.lab.gitRemote}.away`;
    renameSync(h.lab.gitRemote, moved);
    try {
      await waitUntil(() => alerts("Git remote is unreachable").length > 0, 20_000, "the unreachable alert");
      await new Promise((r) => setTimeout(r, 1_500)); // about five more intervals
      expect(alerts("Git remote is unreachable").length).toBe(1);
      const status = await h.run("/gitops status", viewer); // answered at acknowledgement from Redis
      expect(status.jobId).toBeUndefined();
      expect(renderText(status)).toContain("the remote is not answering");
    } finally {
      renameSync(moved, h.lab.gitRemote);
    }
    await waitUntil(async () => !(await state()).error, 20_000, "the remote answering again");
    const status: Message = await h.run("/gitops status", viewer);
    expect(renderText(status)).toContain(`last revision seen: \`${head().slice(0, 8)}\``);
    expect(renderText(status)).not.toContain("not answering");
  }, 60_000);

  it("/gitops pause stops syncing (operator only) and /gitops resume picks up what was committed meanwhile", async () => {
    expect(renderText(await h.run("/gitops pause", viewer))).toContain("needs the operator role");
    const p = await h.run("/gitops pause", operator);
    expect((await answer(p.jobId!, "GitOps paused by olga")).state).toBe("success");
    const to = commitToRemote(h.lab.gitRemote, { message: "while paused", files: { "README.md": () => "paused\n" } });
    await new Promise((r) => setTimeout(r, 1_200));
    expect((await syncJobs()).filter((j) => j.data.args.to === to).length).toBe(0);
    const r = await h.run("/gitops resume", operator);
    expect((await answer(r.jobId!, "GitOps resumed by olga")).state).toBe("success");
    const msg = await finalSyncTo(to);
    expect(msg.state).toBe("success");
    expect((await syncJobs()).filter((j) => j.data.args.to === to).length).toBe(1);
  }, 60_000);
});
