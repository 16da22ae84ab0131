import { actorKey, ROLE_RANK, type Actor, type ChannelRef, type Platform, type Role } from "./actor.ts";

/** What core needs of one grant of the settings; each platform's own keys are read through its GrantLookup. */
export interface GrantBase {
  role: Role;
  /** Channels the grant is limited to (none: everywhere). */
  channels: readonly string[];
}

/** The permission settings core reads (`permissions` in the settings file). */
export interface PermissionSettings<G extends GrantBase = GrantBase> {
  grants: readonly G[];
  terminalRole: Role;
}

/** Whom one grant names on one platform: its user ids, its group ids, and channels where anyone gets the role. */
export interface PlatformGrant {
  users: readonly string[];
  groups: readonly string[];
  everyoneIn?: readonly string[] | undefined;
}

/**
 * How each chat platform reads a grant of the settings (its front end's keys, e.g. `slackUsers`). A platform
 * missing here has no grants at all: its people get no role from them, never another platform's.
 */
export type GrantLookup<G extends GrantBase = GrantBase> = Partial<Record<Exclude<Platform, "terminal">, ReadGrant<G>>>;

/** Method syntax, so a lookup for the settings' full grant type stands in where core only knows GrantBase. */
type ReadGrant<G> = { read(grant: G): PlatformGrant }["read"];

/**
 * Deny by default. Roles come from the YAML grants (users, groups/roles, optionally limited to channels), read
 * per platform through `lookup`, and from LABOPS_ADMINS (`slack:U123,discord:456`). The terminal user gets
 * `permissions.terminalRole`.
 */
export class Permissions<G extends GrantBase = GrantBase> {
  constructor(
    private readonly perms: PermissionSettings<G>,
    private readonly admins: readonly string[],
    private readonly lookup: GrantLookup<G>,
  ) {}

  roleOf(actor: Actor, channel: ChannelRef): Role | undefined {
    if (this.admins.includes(actorKey(actor))) return "admin";
    if (actor.platform === "terminal") return this.perms.terminalRole;
    // A grant is read for the platform the person is on, or not at all.
    const read = Object.hasOwn(this.lookup, actor.platform) ? this.lookup[actor.platform] : undefined;
    if (!read) return undefined;
    let best: Role | undefined;
    for (const g of this.perms.grants) {
      if (g.channels.length && !g.channels.includes(channel.channel)) continue;
      const { users, groups, everyoneIn = [] } = read(g);
      const match = users.includes(actor.id) || actor.groups.some((x) => groups.includes(x)) || everyoneIn.includes(channel.channel);
      if (match && (!best || ROLE_RANK[g.role] > ROLE_RANK[best])) best = g.role;
    }
    return best;
  }

  allows(actor: Actor, channel: ChannelRef, needed: Role): boolean {
    const role = this.roleOf(actor, channel);
    return role !== undefined && ROLE_RANK[role] >= ROLE_RANK[needed];
  }
}
