import { z } from "zod";
import { messageRefSchema } from "../core/job-payload.ts";

/** What /cancel took out of the queue (the BullMQ job is gone): enough to stop its remote work and close its message. */
export const removedJobSchema = z.object({
  command: z.string(),
  why: z.enum(["queued", "lock", "retry", "handed-back"]),
  /** BullMQ's state when it was removed (waiting, delayed, prioritized). */
  state: z.string(),
  attemptsMade: z.number().int().min(0),
  lockKey: z.string().optional(),
  progressRef: messageRefSchema.optional(),
  aapJobs: z.array(z.number().int().positive()),
  /** Launch intents without an AAP id (a crash or a failure between the POST and saving its answer). */
  intents: z.array(z.object({ correlation: z.string(), intentAt: z.number() })),
});
export type RemovedJob = z.infer<typeof removedJobSchema>;

/** The `labops.cancel` job: the job to cancel, and what was removed from the queue when it never started. */
export const cancelJobArgs = z.object({ id: z.string(), removed: removedJobSchema.optional() });
