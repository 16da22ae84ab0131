import { z } from "zod";
import { PLATFORMS } from "../core/actor.ts";

export const actorSchema = z.object({
  platform: z.enum(PLATFORMS),
  id: z.string().min(1),
  name: z.string(),
  groups: z.array(z.string()).default([]),
});

export const channelSchema = z.object({
  platform: z.enum(PLATFORMS),
  channel: z.string().min(1),
  thread: z.string().optional(),
});

export const messageRefSchema = channelSchema.extend({ messageId: z.string().min(1) });

/**
 * Every job's data. `args` is validated again by the processor with the command's own schema;
 * `state` holds what a processor persisted (progress message, remote ids) so a retry re-attaches.
 */
export const jobPayloadSchema = z.object({
  command: z.string().min(1),
  args: z.record(z.string(), z.unknown()),
  actor: actorSchema,
  channel: channelSchema,
  requestId: z.string().min(1),
  lockKey: z.string().optional(),
  /** The role it took to start this job (the command's, or the original command's for a relaunch): /cancel needs it too. */
  requires: z.enum(["viewer", "operator", "admin"]).optional(),
  enqueuedAt: z.number(),
  state: z.record(z.string(), z.unknown()).default({}),
});

export type JobPayload = z.infer<typeof jobPayloadSchema>;
export type JobPayloadInput = z.input<typeof jobPayloadSchema>;
