export type Platform = "slack" | "discord" | "terminal";
export type Role = "viewer" | "operator" | "admin";

export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Who asked, as the front end saw them. Groups are Slack user-group ids or Discord role ids. */
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
