import { formatTime } from "../../core/format.ts";
import type { Message } from "../../core/message.ts";
import type { GitopsRuntime } from "../../gitops/gitops-runtime.ts";
import type { GitopsStatus } from "../../gitops/gitops-state.ts";
import type { PollOutcome } from "../../gitops/gitops-watcher.ts";
import { sleep } from "../../sleep.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import type { ProcessorDeps } from "../systems.ts";


function runtime(ctx: ProcessorContext<unknown, ProcessorDeps<"gitops">>): GitopsRuntime {
  return ctx.deps.gitops;
}

export function statusLines(g: GitopsRuntime, s: GitopsStatus, tz = "UTC"): string[] {
  const when = (ms: number | undefined) => (ms ? formatTime(ms, tz) : "never");
  return [
    `watching \`${g.settings.branch}\` every ${g.settings.intervalMs < 1_000 ? `${g.settings.intervalMs} ms` : `${Math.round(g.settings.intervalMs / 1000)} s`}${s.paused ? ` — *paused* by ${s.paused.by} at ${when(s.paused.at)}` : ""}`,
    `last revision seen: ${s.rev ? `\`${s.rev.slice(0, 8)}\` (since ${when(s.seenAt)})` : "none yet"}; last check ${when(s.checkedAt)}`,
    ...(s.error ? [`the remote is not answering: ${s.error.slice(0, 200)}`] : []),
    `last result: ${s.result ? `${s.result} (${when(s.resultAt)})` : "no sync yet"}${s.lastJob ? `; last sync job \`${s.lastJob}\`` : ""}`,
    `automatic deploys: ${g.settings.autoDeploy ? "on" : "off (Deploy buttons)"}`,
  ];
}

/** The answer of /gitops status, from the shared state in Redis (times shown in `tz`). */
export async function gitopsStatusMessage(g: GitopsRuntime, tz: string): Promise<Message> {
  return { title: "GitOps status", state: "success", lines: statusLines(g, await g.state.get(), tz) };
}

/** gitops.status (viewer): the last revision seen, when, and the last result. */
export const gitopsStatus = defineProcessor({
  name: "gitops.status",
  needs: ["gitops"],
  title: () => "GitOps status",
  async run(ctx) {
    return { outcome: "success", message: await gitopsStatusMessage(runtime(ctx), ctx.deps.config.timeZone) };
  },
});

/** gitops.pause / gitops.resume (operator): every worker's watcher skips its checks while paused. */
export const gitopsPause = defineProcessor({
  name: "gitops.pause",
  needs: ["gitops"],
  title: () => "GitOps: pause",
  async run(ctx) {
    const g = runtime(ctx);
    await g.state.pause(ctx.payload.actor.name);
    return { outcome: "success", message: { title: `GitOps paused by ${ctx.payload.actor.name}`, state: "success", lines: ["New commits are not synced until `/labops gitops resume`."] } };
  },
});

export const gitopsResume = defineProcessor({
  name: "gitops.resume",
  needs: ["gitops"],
  title: () => "GitOps: resume",
  async run(ctx) {
    const g = runtime(ctx);
    await g.state.resume();
    return { outcome: "success", message: { title: `GitOps resumed by ${ctx.payload.actor.name}`, state: "success", lines: ["Commits made meanwhile are picked up at the next check."] } };
  },
});

/** gitops.check (operator): checks now instead of at the next interval, and waits for the sync it finds or queues. */
export const gitopsCheck = defineProcessor({
  name: "gitops.check",
  needs: ["gitops"],
  title: () => "GitOps: check now",
  async run(ctx) {
    const g = runtime(ctx);
    const r = await g.watcher.pollOnce(ctx.signal);
    const lines = [describe(r)];
    const s = await g.state.get();
    const jobId = r.kind === "new" ? r.jobId : s.lastJob;
    if (jobId && r.kind !== "paused" && r.kind !== "unreachable") {
      ctx.progress.update({ title: "GitOps: check now", state: "running", lines: [...lines, `Waiting for sync job \`${jobId}\`…`] });
      lines.push(`sync job \`${jobId}\`: ${await waitFor(g, jobId, ctx.signal)}`);
    }
    const msg: Message = { title: "GitOps: checked", state: r.kind === "unreachable" ? "failure" : "success", lines: [...lines, ...statusLines(g, await g.state.get(), ctx.deps.config.timeZone)] };
    return { outcome: r.kind === "unreachable" ? "failure" : "success", message: msg };
  },
});

function describe(r: PollOutcome): string {
  switch (r.kind) {
    case "paused": return "The watcher is paused; nothing was checked.";
    case "unreachable": return `The remote did not answer: ${r.reason.slice(0, 200)}`;
    case "baseline": return `First check: \`${r.rev.slice(0, 8)}\` recorded as the revision Nautobot has.`;
    case "unchanged": return `No new commits (\`${r.rev.slice(0, 8)}\`).`;
    case "new": return `New revision \`${r.to.slice(0, 8)}\`${r.forced ? " (force-pushed)" : ""}: ${r.duplicate ? "its sync was already queued" : "sync queued"}.`;
  }
}

async function waitFor(g: GitopsRuntime, jobId: string, signal: AbortSignal, timeoutMs = 10 * 60_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const job = await g.jobs.queue.getJob(jobId);
    if (!job) return "no longer in the queue";
    const state = await job.getState();
    if (state === "completed") return (job.returnvalue as { outcome?: string } | undefined)?.outcome ?? "done";
    if (state === "failed") return "failed";
    await sleep(250, signal);
  }
  return "still running";
}

