import type { AapClient } from "../../clients/aap.ts";
import { defineProcessor } from "../processor.ts";
import { aapResultLines } from "../../deploy/aap-view.ts";
import { runAppAction } from "./master-deploy-action.ts";

/** What the chat shows of the logs: the newest lines that fit, each shortened, as platforms cap a message's text. */
export const LOG_BUDGET = { chars: 2_800, lineChars: 240 } as const;
const LOG_TASK = "Read container logs";

/**
 * app.logs: Master Deploy with app_action logs on the app's host; the lines come back in the result of its
 * "Read container logs" task (`docker logs --timestamps --tail N`, read from the job's events), newest last,
 * bounded to what a chat message holds.
 */
export default defineProcessor({
  name: "app.logs",
  needs: ["aap"],
  title: (a) => `Logs of ${a.app}`,
  async run(ctx) {
    const { app, lines: wanted } = ctx.args;
    const { followed: f, host } = await runAppAction(ctx, { app, action: "logs", host: ctx.args.host, logLines: wanted, title: `Logs of ${app}` });
    const link = { label: `AAP job ${f.job.id}`, url: ctx.deps.aap.jobUrl(f.job.id) };
    if (f.job.status !== "successful") {
      const state = f.job.status === "canceled" ? "canceled" : "failure";
      return { outcome: state, message: { title: `Logs of ${app} on ${host}: ${f.job.status}`, state, lines: aapResultLines(f), link }, details: { aapJob: f.job.id, status: f.job.status, host } };
    }
    const read = await logLinesOf(ctx.deps.aap, f.job.id, host, ctx.signal);
    const shown = fitLines(read);
    const head = read.length === 0 ? ["The container wrote nothing to its log."]
      : shown.length < read.length ? [`Newest ${shown.length} of ${read.length} line(s) read (the full ${read.length} are in ${link.label}'s output):`]
      : [`${read.length} line(s):`];
    return {
      outcome: "success",
      message: { title: `Logs of ${app} on ${host} (last ${wanted} lines asked)`, state: "success", lines: [...head, ...shown.map((l) => `\`${l}\``)], link },
      details: { aapJob: f.job.id, host, lines: read.length, shown: shown.length },
    };
  },
});

/** The log lines in the result of the job's "Read container logs" task on `host` (stdout and stderr, by timestamp). */
export async function logLinesOf(aap: AapClient, jobId: number, host: string, signal?: AbortSignal): Promise<string[]> {
  const events = await aap.jobEvents(jobId, { signal });
  const hit = events.find((e) => e.event === "runner_on_ok" && e.host_name === host && e.task === LOG_TASK);
  const res = (hit?.event_data.res ?? {}) as { stdout_lines?: unknown; stderr_lines?: unknown };
  const list = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : []);
  const all = [...list(res.stdout_lines), ...list(res.stderr_lines)];
  // --timestamps puts an RFC 3339 time first: sorting by it interleaves stdout and stderr as they were written.
  return all.map((l, i) => ({ l, i })).sort((a, b) => a.l.slice(0, 30).localeCompare(b.l.slice(0, 30)) || a.i - b.i).map((x) => x.l);
}

/** The newest lines that fit LOG_BUDGET: control characters (ANSI colours) removed, backticks made plain, long lines cut. */
export function fitLines(lines: readonly string[]): string[] {
  const out: string[] = [];
  let used = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    // eslint-disable-next-line no-control-regex
    let l = lines[i]!.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, "").replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, " ").replace(/`/g, "'").trimEnd();
    if (l.length > LOG_BUDGET.lineChars) l = `${l.slice(0, LOG_BUDGET.lineChars - 1)}…`;
    if (used + l.length + 3 > LOG_BUDGET.chars) break;
    used += l.length + 3;
    out.unshift(l || " ");
  }
  return out;
}
