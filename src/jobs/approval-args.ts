import { z } from "zod";

/** The `aap.approval-decide` job (an Approve or Deny click on an AAP workflow approval). */
export const approvalDecideArgs = z.object({
  approval: z.number().int().positive(),
  decision: z.enum(["approve", "deny"]),
  workflow: z.string().min(1),
});

/**
 * The `aap.run` job (/labops run): the template, its variables (parsed from name=value; survey answers typed
 * as AAP expects them), its secret survey answers sealed (never in clear), one host.
 */
export const runJobArgs = z.object({
  template: z.string().min(1).max(200),
  vars: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])).default({}),
  secrets: z.record(z.string(), z.string()).default({}),
  host: z.string().optional(),
});
