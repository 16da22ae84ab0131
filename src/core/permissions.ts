import type { Config } from "../config.ts";
import { actorKey, ROLE_RANK, type Actor, type ChannelRef, type Role } from "./actor.ts";

/**
 * Deny by default. Roles come from the YAML grants (users, groups/roles, optionally limited to channels)
 * and from LABOPS_ADMINS (`slack:U123,discord:456`). The terminal user gets `permissions.terminalRole`.
 */
export class Permissions {
  constructor(
    private readonly perms: Config["permissions"],
    private readonly admins: readonly string[],
  ) {}

  roleOf(actor: Actor, channel: ChannelRef): Role | undefined {
    if (this.admins.includes(actorKey(actor))) return "admin";
    if (actor.platform === "terminal") return this.perms.terminalRole;
    let best: Role | undefined;
    for (const g of this.perms.grants) {
      if (g.channels.length && !g.channels.includes(channel.channel)) continue;
      const users = actor.platform === "slack" ? g.slackUsers : g.discordUsers;
      const groups = actor.platform === "slack" ? g.slackGroups : g.discordRoles;
      const match = users.includes(actor.id) || actor.groups.some((x) => groups.includes(x));
      if (match && (!best || ROLE_RANK[g.role] > ROLE_RANK[best])) best = g.role;
    }
    return best;
  }

  allows(actor: Actor, channel: ChannelRef, needed: Role): boolean {
    const role = this.roleOf(actor, channel);
    return role !== undefined && ROLE_RANK[role] >= ROLE_RANK[needed];
  }
}
