/** Every place a person can reach labops from: the chat front ends and the terminal. The one list; schemas derive from it. */
export const PLATFORMS = ["slack", "discord", "mattermost", "terminal"] as const;
export type Platform = (typeof PLATFORMS)[number];
export type Role = "viewer" | "operator" | "admin";

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Who asked, as the front end saw them. Groups are Slack user-group ids, Discord role ids or the Mattermost team. */
export interface Actor {
  platform: Platform;
  id: string;
  name: string;
  groups: string[];
}

/** A chat channel (or thread) to post into. */
export interface ChannelRef {
  platform: Platform;
  channel: string;
  thread?: string | undefined;
}

/** A posted message that can be edited. */
export interface MessageRef extends ChannelRef {
  messageId: string;
}

/** The strictest of some roles (at least `floor`): what a path needs when several rules apply. */
export function strictest(floor: Role, ...roles: (Role | undefined)[]): Role {
  return roles.reduce<Role>((a, r) => (r && ROLE_RANK[r] > ROLE_RANK[a] ? r : a), floor);
}

export function actorKey(a: Pick<Actor, "platform" | "id">): string {
  return `${a.platform}:${a.id}`;
}
