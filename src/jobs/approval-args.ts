import { z } from "zod";

/** The `aap.approval-decide` job (an Approve or Deny click on an AAP workflow approval). */
export const approvalDecideArgs = z.object({
  approval: z.number().int().positive(),
  decision: z.enum(["approve", "deny"]),
  workflow: z.string().min(1),
});
