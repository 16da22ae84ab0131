import { PLATFORM_GRANTS } from "../../config.ts";
import { formatTime } from "../../core/format.ts";
import type { AapClient } from "../../clients/aap.ts";
import { formatWindow } from "../../alerts/alert-message.ts";
import { muteKey } from "../../alerts/alert-store.ts";
import { muteScopeRole } from "../../alerts/mute-role.ts";
import { Permissions } from "../../core/permissions.ts";
import { ROLE_RANK, strictest } from "../../core/actor.ts";
import { allowsRelaunch, roleFor } from "../../core/command.ts";
import type { LaunchRecord } from "../../core/launch-records.ts";
import { ApiError, UserError } from "../../errors.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";
import { follow } from "../../deploy/aap-follow.ts";
import { aapResultLines, aapStatusLine, hostCountsLine } from "../../deploy/aap-view.ts";

/** What aap.relaunch persists: the intent before the POST, the new AAP job id right after it. */
interface RelaunchState {
  intentAt: number;
  jobId?: number | undefined;
}


/**
 * aap.relaunch (the alert's "Relaunch failed hosts"): POST jobs/{id}/relaunch/ {hosts: "failed"} exactly once,
 * then follows the new job in its own progress message. The POST is not idempotent and takes no extra_vars
 * (so no correlation id): the intent is saved before it and the new id right after; a retry re-attaches to the
 * saved id, and with only an intent it looks for a relaunch of the same template created since, with the same
 * extra_vars, relaunching only when AAP shows none. If AAP cannot be asked, it fails closed (retried later).
 *
 * Before the first POST it checks again what the button promised: labops launched the job (its launch record)
 * for a command that allows a relaunch, this job holds that command's target lock and was started with its
 * role, the AAP job is still `failed`, and AAP has no relaunch of it yet. The new job gets a launch record too.
 */
export const aapRelaunch = defineProcessor({
  name: "aap.relaunch",
  needs: ["aap"],
  title: (a) => `Relaunch failed hosts of AAP job ${a.aapJob}${a.template ? ` (${a.template})` : ""}`,
  async run(ctx) {
    const { args, deps } = ctx;
    const aap = deps.aap;
    const title = `Relaunch failed hosts of AAP job ${args.aapJob}${args.template ? ` (${args.template})` : ""}`;
    const link = (id: number) => ({ label: `AAP job ${id}`, url: aap.jobUrl(id) });
    ctx.progress.update({ title, state: "running", lines: [`Relaunching the failed hosts of AAP job ${args.aapJob}…`], link: link(args.aapJob) });
    const record = await checkRecord(ctx, args.aapJob, args.command);
    const { jobId, reattached } = await relaunchOnce(ctx, aap, args.aapJob, record);
    const f = await follow(ctx, {
      aap, key: "relaunch", template: args.template ?? "", body: {},
      pollMs: deps.config.aapSettings.pollInterval, timeoutMs: deps.config.aapSettings.jobTimeout,
      onProgress: (job, p) => ctx.progress.update({ title, state: "running", lines: [aapStatusLine(job, p), hostCountsLine(p)], link: link(job.id) }),
    }, jobId);
    const status = f.job.status;
    const state = status === "successful" ? "success" : status === "canceled" ? "canceled" : "failure";
    return {
      outcome: state,
      message: {
        title: `${title}: ${status}`, state, link: link(jobId),
        lines: [`New AAP job ${jobId} on ${f.job.limit || "all hosts"}${reattached ? " (re-attached after a retry)" : ""}`, ...aapResultLines({ ...f, reattached })],
      },
      details: { aapJob: jobId, relaunchOf: args.aapJob, status, reattached },
    };
  },
});

/** What the relaunch button promised, checked where it takes effect (the payload came from labops, but the world may have moved). */
async function checkRecord(ctx: ProcessorContext<unknown>, from: number, command: string | undefined): Promise<LaunchRecord> {
  const rec = await ctx.deps.launches.get(from);
  if (!rec) throw new UserError("relaunch_refused", `labops did not launch AAP job ${from} (or no longer remembers it), so it does not relaunch it. Launch it again with its command.`);
  const cmd = ctx.deps.commands?.get(rec.command);
  if (!cmd || !allowsRelaunch(cmd.def) || (command !== undefined && command !== rec.command)) {
    throw new UserError("relaunch_refused", `AAP job ${from} was launched by \`/${rec.command}\`, which is not relaunched from an alert; run \`/${rec.command}\` again instead (it has its own preview or confirmation).`);
  }
  if (ctx.payload.lockKey !== rec.lockKey) {
    throw new UserError("relaunch_refused", `A relaunch of AAP job ${from} must hold the lock of \`/${rec.command}\` (${rec.lockKey ?? "none"}); nothing was relaunched.`);
  }
  const needed = strictest("operator", roleFor(cmd.def, rec.args));
  if (ROLE_RANK[ctx.payload.requires ?? "viewer"] < ROLE_RANK[needed]) {
    throw new UserError("forbidden", `Relaunching a \`/${rec.command}\` job needs the ${needed} role; nothing was relaunched.`);
  }
  return rec;
}

/** At the first try only: AAP still shows the job failed and has no relaunch of it (made by someone in AAP, or by an earlier button). */
async function checkStillFailed(aap: AapClient, from: number, signal: AbortSignal): Promise<void> {
  let original;
  try {
    original = await aap.getJob(from, { signal });
  } catch (err) {
    throw refusal(err, from);
  }
  if (original.status !== "failed") throw new UserError("relaunch_refused", `AAP job ${from} is ${original.status} now, not failed; nothing was relaunched.`);
  const since = original.finished ?? original.created;
  if (!since) return;
  const jobs = await aap.listJobs({
    launch_type: "relaunch", created__gt: since, order_by: "id", ...(original.job_template ? { job_template: original.job_template } : {}),
  }, { signal });
  const done = jobs.find((j) => j.id > from && j.extra_vars === original.extra_vars);
  if (done) throw new UserError("relaunch_done", `AAP job ${from} was already relaunched as job ${done.id}; nothing was relaunched again.`);
}

async function relaunchOnce(ctx: ProcessorContext<unknown>, aap: AapClient, from: number, record: LaunchRecord): Promise<{ jobId: number; reattached: boolean }> {
  const saved = ctx.state.relaunch as RelaunchState | undefined;
  // The target (the command's lock) stays taken while the relaunched AAP job may run, through backoff and crashes.
  if (saved?.jobId !== undefined) {
    await ctx.holdRemote(`aap:${saved.jobId}`);
    return { jobId: saved.jobId, reattached: true };
  }
  if (saved) {
    const found = await findRelaunch(aap, from, saved.intentAt, ctx.signal);
    if (found !== undefined) {
      ctx.log.warn({ aapJob: found }, "re-attached to a relaunch made before a crash");
      await ctx.save({ relaunch: { ...saved, jobId: found } });
      await ctx.holdRemote(`aap:${found}`);
      await recordRelaunch(ctx, found, from, record);
      return { jobId: found, reattached: true };
    }
  } else await checkStillFailed(aap, from, ctx.signal);
  const intent: RelaunchState = { intentAt: Date.now() };
  await ctx.save({ relaunch: intent }); // checks ownership: a worker paused past its lock stops here
  await ctx.holdRemote("aap:intent"); // and the target lock: a job that lost it relaunches nothing
  let jobId: number;
  try {
    ({ jobId } = await aap.relaunchJob(from, { hosts: "failed", signal: ctx.signal }));
  } catch (err) {
    throw refusal(err, from);
  }
  await ctx.save({ relaunch: { ...intent, jobId } });
  await ctx.holdRemote(`aap:${jobId}`);
  await recordRelaunch(ctx, jobId, from, record);
  await ctx.deps.audit.record({ event: "remote", command: ctx.payload.command, jobId: ctx.jobId, target: ctx.payload.lockKey, detail: `aap job ${jobId} (relaunch of ${from}, failed hosts)` }).catch(() => {});
  return { jobId, reattached: false };
}

/** The relaunch is labops' too: its failure may be relaunched in turn, under the same command, lock and role. */
async function recordRelaunch(ctx: ProcessorContext<unknown>, jobId: number, from: number, record: LaunchRecord): Promise<void> {
  await ctx.deps.launches.save(jobId, { ...record, relaunchOf: from })
    .catch((err: unknown) => ctx.log.warn({ aapJob: jobId, err: String(err) }, "launch record of the relaunch not saved; its alert will offer no relaunch"));
}

/** A relaunch of `from` created since the intent: same template, launch_type relaunch, same extra_vars. */
async function findRelaunch(aap: AapClient, from: number, intentAt: number, signal: AbortSignal): Promise<number | undefined> {
  const original = await aap.getJob(from, { signal });
  const jobs = await aap.listJobsWithVars({
    launch_type: "relaunch", created__gt: new Date(intentAt - 120_000).toISOString(), order_by: "id",
    ...(original.job_template ? { job_template: original.job_template } : {}),
  }, { signal });
  return jobs.find((j) => j.id > from && j.extra_vars === original.extra_vars)?.id;
}

/** AAP's 400s for a relaunch say what the person can do; anything else stays an ApiError (retried or reported). */
function refusal(err: unknown, from: number): unknown {
  if (!(err instanceof ApiError)) return err;
  if (err.status === 404) return new UserError("aap_job_missing", `AAP has no job ${from} (it may have been deleted).`, { cause: err });
  if (err.status !== 400) return err;
  if (/0 failed hosts/i.test(err.reason)) return new UserError("aap_relaunch_nothing", `AAP job ${from} has no failed hosts to relaunch.`, { cause: err });
  if (/stats not available/i.test(err.reason)) {
    return new UserError("aap_relaunch_no_stats", `AAP cannot relaunch only the failed hosts of job ${from}: it has no play recap (it was canceled or errored before the play ended). Launch the template again instead.`, { cause: err });
  }
  if (/wait until job finishes/i.test(err.reason)) return new UserError("aap_relaunch_running", `AAP job ${from} is still running; relaunch its failed hosts once it has finished.`, { cause: err });
  return err;
}

const MAX_LOG_CHARS = 3_500;

/** aap.show-log (the alert's "Show log"): the last lines of a job's output (blank ones left out), posted as a new message. Read-only. */
export const aapShowLog = defineProcessor({
  name: "aap.show-log",
  needs: ["aap"],
  title: (a) => `Output of AAP job ${a.aapJob}`,
  async run(ctx) {
    const { args, deps } = ctx;
    let text: string;
    try {
      text = await deps.aap.stdoutTail(args.aapJob, args.lines, { signal: ctx.signal });
    } catch (err) {
      throw refusal(err, args.aapJob);
    }
    const all = text.split("\n").filter((l) => l.trim() !== "");
    const kept: string[] = [];
    let size = 0;
    for (const line of [...all].reverse()) {
      if (size + line.length + 1 > MAX_LOG_CHARS) break;
      kept.unshift(line);
      size += line.length + 1;
    }
    const cut = all.length - kept.length;
    return {
      outcome: "success",
      message: {
        title: `Output of AAP job ${args.aapJob}${args.template ? ` (${args.template})` : ""}: last ${kept.length} lines`,
        state: "success", // a final state: every front end shows it in full
        lines: [...(cut > 0 ? [`(${cut} earlier line(s) left out to fit the message; the full output is in AAP)`] : []), ...kept],
        link: { label: `AAP job ${args.aapJob}`, url: deps.aap.jobUrl(args.aapJob) },
      },
      details: { aapJob: args.aapJob, lines: kept.length },
    };
  },
});

/** alert.mute (the alert's "Mute 1h"): no alerts for a template or command for a while; the message tells the channel. */
export const alertMute = defineProcessor({
  name: "alert.mute",
  needs: [],
  title: (a) => `Mute alerts for ${a.subject}`,
  async run(ctx) {
    const { args, deps, payload } = ctx;
    // The button needed the role of the command whose alerts it hides; checked again against the grants in force.
    const [kind, name] = [args.group.slice(0, args.group.indexOf(":")), args.group.slice(args.group.indexOf(":") + 1)];
    const needed = kind === "aap" ? muteScopeRole(deps.config, deps.commands, `template:${name}`) : strictest("operator", deps.commands?.get(name)?.def.requires);
    if (!new Permissions(deps.config.permissions, deps.config.admins, PLATFORM_GRANTS).allows(payload.actor, payload.channel, needed)) {
      throw new UserError("forbidden", `Muting the alerts of ${args.subject} needs the ${needed} role, which you do not have here; nothing was muted.`);
    }
    const until = Date.now() + args.ms;
    await deps.redis.set(muteKey(deps.config.redis.prefix, args.group), JSON.stringify({ by: payload.actor.name, until }), "PX", args.ms);
    return {
      outcome: "success",
      message: {
        title: `Alerts for ${args.subject} muted for ${formatWindow(args.ms)} by ${payload.actor.name}`,
        state: "success",
        lines: [`Until ${formatTime(until, deps.config.timeZone, { minutes: true })}. Failures in that time are logged and listed with the next alert after it.`],
      },
      details: { group: args.group, until },
    };
  },
});

