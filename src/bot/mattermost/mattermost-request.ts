import { z } from "zod";
import type { Actor, ChannelRef } from "../../core/actor.ts";

/** Mattermost's ids: 26 lowercase base-32 characters. */
const id = z.string().regex(/^[a-z0-9]{26}$/);

/** A custom slash command as Mattermost POSTs it (application/x-www-form-urlencoded). `token` is checked before this. */
export const commandFormSchema = z.object({
  command: z.string().regex(/^\/[^\s/]{1,128}$/),
  text: z.string().max(4_000).default(""),
  user_id: id,
  user_name: z.string().max(64).default(""),
  channel_id: id,
  team_id: z.union([id, z.literal("")]).optional(),
  trigger_id: z.string().max(2_000).optional(),
  response_url: z.string().max(2_000).optional(),
});
export type CommandForm = z.infer<typeof commandFormSchema>;

/** A button click as the Mattermost server POSTs it to the button's integration URL (JSON). */
export const actionRequestSchema = z.object({
  user_id: id,
  user_name: z.string().max(64).optional(),
  channel_id: id,
  team_id: z.union([id, z.literal("")]).optional(),
  post_id: id,
  trigger_id: z.string().max(2_000).optional(),
  type: z.string().max(32).optional(),
  context: z.unknown(),
});
export type ActionRequest = z.infer<typeof actionRequestSchema>;

/** The person, with the team they acted from as their one group (for `mattermostTeams` grants). */
export function actorOf(r: { user_id: string; user_name?: string | undefined; team_id?: string | undefined }): Actor {
  return { platform: "mattermost", id: r.user_id, name: r.user_name || r.user_id, groups: r.team_id ? [r.team_id] : [] };
}

export function channelOf(r: { channel_id: string }): ChannelRef {
  return { platform: "mattermost", channel: r.channel_id };
}
