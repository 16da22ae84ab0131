import type { Redis } from "ioredis";
import { z } from "zod";

/**
 * What labops remembers about an AAP job it launched: which labops job and command made it, with which
 * arguments and under which target lock. Written by the worker right after the launch POST (and after a
 * relaunch), read by alerts to decide what a failed job may offer. Only labops writes these keys, so an AAP
 * job someone launched by hand (or with a forged `labops_correlation`) has none and gets no relaunch.
 */
export const launchRecordSchema = z.object({
  /** The labops job that launched it (for a relaunch: the job that launched the original). */
  labopsJob: z.string().min(1),
  /** The chat command behind it (`deploy`, `cleanup-ocp`, `runner create`, ...). */
  command: z.string().min(1),
  /** The labops job's arguments, as queued. */
  args: z.record(z.string(), z.unknown()),
  /** The command's target lock (`app:traefik`); a relaunch takes the same one. */
  lockKey: z.string().optional(),
  /** The AAP template's name, as the job carries it. */
  template: z.string(),
  /** `extra_vars.labops_correlation` when the template prompts for variables; the alert checks the job carries it. */
  correlation: z.string().optional(),
  /** The person who asked, by name (shown on the workflow's approval messages). */
  requester: z.string().optional(),
  /** Their `platform:id`: an approval of the workflow may not be decided by them (approvals.selfApproval). */
  requesterKey: z.string().optional(),
  /** Set on a relaunch: the AAP job it relaunched. */
  relaunchOf: z.number().int().positive().optional(),
});
export type LaunchRecord = z.infer<typeof launchRecordSchema>;

/** Redis keys `<prefix>:aap-launch:<AAP job id>`, kept a little longer than an alert is remembered (7 days). */
export class LaunchRecords {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs = 8 * 86_400_000,
  ) {}

  async save(aapJob: number, rec: LaunchRecord): Promise<void> {
    await this.redis.set(this.#key(aapJob), JSON.stringify(launchRecordSchema.parse(rec)), "PX", this.ttlMs);
  }

  /** The record of `aapJob`, or undefined when labops did not launch it (or it is too old, or unreadable). */
  async get(aapJob: number): Promise<LaunchRecord | undefined> {
    const raw = await this.redis.get(this.#key(aapJob));
    if (!raw) return undefined;
    try {
      const r = launchRecordSchema.safeParse(JSON.parse(raw));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Notes that labops' /cancel is about to cancel `aapJob` (written before the cancel request), so the AAP
   * job's "canceled" end raises no failure alert: the person asked for it.
   */
  async markCanceled(aapJob: number, by: string): Promise<void> {
    await this.redis.set(this.#cancelKey(aapJob), by, "PX", this.ttlMs);
  }

  /** Who canceled `aapJob` through labops, or undefined when labops did not. */
  async canceledBy(aapJob: number): Promise<string | undefined> {
    return (await this.redis.get(this.#cancelKey(aapJob))) ?? undefined;
  }

  #key(aapJob: number): string {
    return `${this.prefix}:aap-launch:${aapJob}`;
  }

  #cancelKey(aapJob: number): string {
    return `${this.prefix}:aap-cancel:${aapJob}`;
  }
}

/** The `labops_correlation` a job's `extra_vars` (AAP's JSON string) carries, if any. */
export function correlationOf(extraVars: string | undefined): string | undefined {
  if (!extraVars) return undefined;
  try {
    const v = (JSON.parse(extraVars) as Record<string, unknown>).labops_correlation;
    return typeof v === "string" ? v : undefined;
  } catch {
    return undefined;
  }
}
