import { z } from "zod";
import type { AapClient, Job } from "../clients/aap.ts";
import { foldEvents } from "../clients/aap-progress.ts";
import { ApiError } from "../errors.ts";

/** A failed AAP job as an alert shows it: what the webhook or the job list said, completed from AAP. */
export interface AapFailure {
  id: number;
  template: string;
  status: string;
  createdBy?: string | undefined;
  limit: string;
  /** The job's page as the notification gave it. */
  url?: string | undefined;
  /** `extra_vars` as AAP stores it: a JSON string. */
  extraVars?: string | undefined;
  finished?: string | undefined;
  explanation?: string | undefined;
  failedHosts: string[];
  failedTasks: { host: string; task: string; msg?: string | undefined }[];
  /** Last lines of output (ANSI stripped). */
  tail?: string | undefined;
  /** Why some details are missing (AAP did not answer, job unknown to AAP). */
  unavailable?: string | undefined;
  /** AAP answered 404: the job is not in the configured AAP (no Show log or Relaunch then). */
  missing?: boolean | undefined;
}

export interface LoadFailureOptions {
  /** Wait at most this long for `event_processing_finished` before reading events. */
  eventWaitMs: number;
  tailLines: number;
  signal?: AbortSignal | undefined;
}

const createdBySchema = z.looseObject({
  summary_fields: z.looseObject({ created_by: z.looseObject({ username: z.string() }).optional() }).optional(),
  launched_by: z.looseObject({ name: z.string().optional() }).optional(),
});

/** The seed a job-list row (the poller) gives. */
export function failureFromJob(job: Job): AapFailure {
  const who = createdBySchema.safeParse(job);
  return {
    id: job.id, template: job.name, status: job.status, limit: job.limit, extraVars: job.extra_vars, finished: job.finished ?? undefined,
    explanation: job.job_explanation || undefined, failedHosts: [], failedTasks: [],
    createdBy: who.success ? (who.data.summary_fields?.created_by?.username ?? who.data.launched_by?.name) : undefined,
  };
}

/**
 * Completes a failure from AAP: job detail (status, who, limit, explanation), the failed tasks and hosts
 * from its events (folded like a deploy's progress), and the last lines of output. Never throws: what AAP
 * cannot tell is left out and `unavailable` says why, so the alert still goes out.
 */
export async function loadAapFailure(aap: AapClient | undefined, seed: AapFailure, o: LoadFailureOptions): Promise<AapFailure> {
  if (!aap) return { ...seed, unavailable: "AAP is not configured in labops, so only the notification's own fields are shown." };
  const f: AapFailure = { ...seed };
  try {
    let job = await aap.getJob(seed.id, { signal: o.signal });
    const deadline = Date.now() + o.eventWaitMs;
    while (job.event_processing_finished === false && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, Math.max(20, Math.min(500, o.eventWaitMs / 5))));
      job = await aap.getJob(seed.id, { signal: o.signal });
    }
    Object.assign(f, { ...failureFromJob(job), failedHosts: f.failedHosts, failedTasks: f.failedTasks });
    f.createdBy ??= seed.createdBy;
    const progress = foldEvents(undefined, await aap.jobEvents(seed.id, { signal: o.signal }));
    f.failedTasks = progress.failedTasks;
    const failed = Object.entries(progress.perHost ?? {}).filter(([, t]) => t.failures > 0 || t.dark > 0).map(([h]) => h);
    if (failed.length || progress.recapped) f.failedHosts = failed;
    f.tail = (await aap.stdoutTail(seed.id, o.tailLines, { signal: o.signal })) || undefined;
  } catch (err) {
    f.missing = err instanceof ApiError && err.status === 404;
    f.unavailable = err instanceof ApiError
      ? err.status === 404 ? `AAP has no job ${seed.id} (404), so only the notification's own fields are shown.` : `Details could not be read from AAP: ${err.userMessage}`
      : "Details could not be read from AAP.";
  }
  return f;
}

/** The status word an alert uses: failed, error or canceled. */
export function isAlertStatus(status: string): boolean {
  return status === "failed" || status === "error" || status === "canceled";
}
