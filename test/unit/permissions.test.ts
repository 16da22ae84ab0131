import { describe, expect, it } from "vitest";
import { loadConfig, PLATFORM_GRANTS } from "../../src/config.ts";
import type { Actor, ChannelRef, Platform } from "../../src/core/actor.ts";
import { Permissions } from "../../src/core/permissions.ts";

const SAME_ID = "112233445566778899";
const actor = (platform: Platform, id = SAME_ID, groups: string[] = []): Actor => ({ platform, id, name: id, groups });
const where = (platform: Platform, channel = "CH1"): ChannelRef => ({ platform, channel });

function permissions(yaml: string, admins = "") {
  const config = loadConfig({ LABOPS_CONFIG: "/grants.yaml", LABOPS_ADMINS: admins }, () => yaml);
  return new Permissions(config.permissions, config.admins, PLATFORM_GRANTS);
}

describe("permissions per platform", () => {
  it("a Mattermost user whose id equals a Discord admin's gets nothing from the Discord grant", () => {
    const p = permissions(`permissions:\n  grants:\n    - role: admin\n      discordUsers: ["${SAME_ID}"]\n      discordRoles: ["R1"]\n`);
    expect(p.roleOf(actor("discord"), where("discord"))).toBe("admin");
    expect(p.roleOf(actor("mattermost"), where("mattermost"))).toBeUndefined();
    expect(p.roleOf(actor("mattermost", "someone", ["R1"]), where("mattermost"))).toBeUndefined();
    expect(p.allows(actor("mattermost"), where("mattermost"), "viewer")).toBe(false);
    // Nor from a Slack grant of the same id.
    const s = permissions(`permissions:\n  grants:\n    - role: operator\n      slackUsers: ["${SAME_ID}"]\n`);
    expect(s.roleOf(actor("mattermost"), where("mattermost"))).toBeUndefined();
    expect(s.roleOf(actor("discord"), where("discord"))).toBeUndefined();
  });

  it("Mattermost grants name users, teams, or channels where anyone gets the role, within the grant's channels", () => {
    const p = permissions([
      "permissions:",
      "  grants:",
      "    - role: admin",
      `      mattermostUsers: ["${SAME_ID}"]`,
      "    - role: operator",
      "      mattermostTeams: [team-ops]",
      "    - role: viewer",
      "      mattermostChannels: [town-square]",
      "    - role: admin",
      "      mattermostTeams: [team-ops]",
      "      channels: [war-room]",
      "",
    ].join("\n"));
    expect(p.roleOf(actor("mattermost"), where("mattermost"))).toBe("admin");
    expect(p.roleOf(actor("mattermost", "u2", ["team-ops"]), where("mattermost"))).toBe("operator");
    expect(p.roleOf(actor("mattermost", "u2", ["team-ops"]), where("mattermost", "war-room"))).toBe("admin");
    expect(p.roleOf(actor("mattermost", "u3", ["team-x"]), where("mattermost", "town-square"))).toBe("viewer");
    expect(p.roleOf(actor("mattermost", "u3", ["team-x"]), where("mattermost"))).toBeUndefined();
    // The Mattermost keys give nothing on the other platforms.
    expect(p.roleOf(actor("discord"), where("discord"))).toBeUndefined();
    expect(p.roleOf(actor("slack", "u2", ["team-ops"]), where("slack", "town-square"))).toBeUndefined();
  });

  it("a platform without a grant lookup gets no role from any grant; LABOPS_ADMINS still names people per platform", () => {
    const config = loadConfig({ LABOPS_CONFIG: "/g.yaml", LABOPS_ADMINS: `discord:${SAME_ID}` }, () => `permissions:\n  grants:\n    - role: admin\n      discordUsers: ["${SAME_ID}"]\n`);
    const onlySlack = new Permissions(config.permissions, config.admins, { slack: PLATFORM_GRANTS.slack! });
    expect(onlySlack.roleOf(actor("discord", "other"), where("discord"))).toBeUndefined();
    expect(onlySlack.roleOf(actor("discord"), where("discord"))).toBe("admin");
    expect(onlySlack.roleOf(actor("mattermost"), where("mattermost"))).toBeUndefined();
  });
});
