import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSlackHarness, OPS_GROUP, type SlackHarness } from "../helpers/slack-harness.ts";

/**
 * Grants by Slack user group fail closed: the membership read expires, and when usergroups.list keeps
 * failing past that age, a member of the operator group gets nothing, with one warning saying why.
 * Alice's only grant is through the ops group; `/status` needs viewer.
 */
const REFRESH_MS = 250;
const MAX_AGE_MS = 4_000;

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const status = async (h: SlackHarness, user = "U0ALICE") => String((await h.slack.slash("/labops", "status", { user })).payload.text);
const FORBIDDEN = /needs the viewer role/;
const expiredWarnings = (h: SlackHarness) => h.logs.lines.filter((l) => l.includes("last read has expired")).length;

describe("Slack user-group grants expire and fail closed", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness({ bot: { groupsRefreshMs: REFRESH_MS, groupsMaxAgeMs: MAX_AGE_MS } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("a member of a granted group has its role while the read is fresh; a non-member has none", async () => {
    expect(h.bot.groups.fresh).toBe(true);
    expect(await status(h)).not.toMatch(FORBIDDEN);
    expect(await status(h, "U0BOB")).toMatch(FORBIDDEN);
  });

  it("a membership change reaches labops with the next background refresh", async () => {
    const before = h.bot.groups.refreshes;
    h.slack.setGroupMembers(OPS_GROUP, []);
    await until("a refresh", () => h.bot.groups.refreshes > before + 1);
    expect(await status(h)).toMatch(FORBIDDEN);
    h.slack.setGroupMembers(OPS_GROUP, ["U0ALICE"]);
    const again = h.bot.groups.refreshes;
    await until("a refresh", () => h.bot.groups.refreshes > again + 1);
    expect(await status(h)).not.toMatch(FORBIDDEN);
  });

  it("when usergroups.list fails, the last read is trusted only until it expires, then group grants give nothing", async () => {
    h.slack.injectError("usergroups.list", "fatal_error");
    await until("a failed refresh", () => h.bot.groups.failures >= 1);
    // Still inside the expiry: the last read stands (a short Slack outage does not lock everyone out).
    if (h.bot.groups.fresh) expect(await status(h)).not.toMatch(FORBIDDEN);
    expect(h.logs.lines.some((l) => l.includes("refresh failed; the last membership read is trusted until it expires") && l.includes("fatal_error"))).toBe(true);

    await until("the read to expire", () => !h.bot.groups.fresh);
    for (let i = 0; i < 5; i++) expect(await status(h)).toMatch(FORBIDDEN);
    await until("more failed refreshes", () => h.bot.groups.failures >= 3);
    // One warning for the whole failure period, however many commands and failed refreshes it spans.
    expect(expiredWarnings(h)).toBe(1);
    const line = h.logs.lines.find((l) => l.includes("last read has expired"))!;
    expect(JSON.parse(line)).toMatchObject({ level: 40, err: expect.stringContaining("fatal_error"), maxAgeMs: MAX_AGE_MS });
    // The refreshes ran in the background: commands made no usergroups.list call of their own.
    const calls = h.slack.count("usergroups.list");
    for (let i = 0; i < 5; i++) await status(h);
    expect(h.slack.count("usergroups.list") - calls).toBeLessThan(5);
  }, 30_000);

  it("a successful refresh restores the grants and re-arms the warning", async () => {
    h.slack.clearInjection("usergroups.list");
    await until("a good refresh", () => h.bot.groups.fresh);
    expect(await status(h)).not.toMatch(FORBIDDEN);
    expect(h.logs.lines.some((l) => l.includes("group grants apply again"))).toBe(true);

    h.slack.injectError("usergroups.list", "missing_scope");
    await until("the read to expire again", () => !h.bot.groups.fresh);
    expect(await status(h)).toMatch(FORBIDDEN);
    expect(expiredWarnings(h)).toBe(2);
    h.slack.clearInjection("usergroups.list");
  }, 30_000);
});

describe("Slack user groups that cannot be read at start", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness({
      bot: { groupsRefreshMs: REFRESH_MS, groupsMaxAgeMs: MAX_AGE_MS },
      // A workspace where the bot lacks the usergroups:read scope; Bob is granted viewer by user id.
      beforeBot: (slack, config) => {
        slack.injectError("usergroups.list", "missing_scope");
        config.permissions.grants.push({ role: "viewer", slackUsers: ["U0BOB"], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
      },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("give nothing, with one warning, while a grant by user id still applies", async () => {
    await until("two failed reads", () => h.bot.groups.failures >= 2);
    for (let i = 0; i < 3; i++) expect(await status(h)).toMatch(FORBIDDEN);
    expect(await status(h, "U0BOB")).not.toMatch(FORBIDDEN);
    const warned = h.logs.lines.filter((l) => l.includes("slack user groups could not be read; grants by user group give nothing"));
    expect(warned.length).toBe(1);
    expect(warned[0]).toContain("missing_scope");
  }, 30_000);
});
