import { z } from "zod";
import { actorKey, strictest, type Actor, type ChannelRef, type Role } from "../core/actor.ts";
import { allowsRelaunch } from "../core/command.ts";
import { dispatchCommand, type AckDeps, type ActionHandler } from "../core/dispatch.ts";
import { UserError } from "../errors.ts";
import type { Message } from "../core/message.ts";
import { formatWindow } from "./alert-message.ts";
import type { ButtonSpec } from "./alert-service.ts";
import type { JobName } from "../core/job-names.ts";

/**
 * Buttons on alerts. Their payload stays server-side (ActionStore); a click runs on the acknowledgement
 * path, so nothing here calls AAP: Show log and Relaunch queue a job (aap.show-log, aap.relaunch) that
 * posts its own message in the channel; Mute queues alert.mute, which sets the mute key in Redis; Run again
 * dispatches the original command as if the clicker had typed it (its role, preview and confirmation).
 */
const KIND = { showLog: "alert-show-log", relaunch: "alert-relaunch", rerun: "alert-rerun", mute: "alert-mute" } as const;

const aapJobPayload = z.object({ aapJob: z.number().int().positive(), template: z.string().optional() });
const relaunchPayload = aapJobPayload.extend({ command: z.string().min(1), lockKey: z.string().optional(), requires: z.enum(["viewer", "operator", "admin"]).optional() });
const rerunPayload = aapJobPayload.extend({ command: z.string().min(1), args: z.record(z.string(), z.unknown()) });
const mutePayload = z.object({ group: z.string().min(1), subject: z.string(), ms: z.number().int().positive() });

/** Show log (viewer): the last ~60 lines of output, posted as a new message. Reusable. */
export function showLogButton(aapJob: number, template: string, ttlMs: number): ButtonSpec {
  return { kind: KIND.showLog, label: "Show log", payload: { aapJob, template }, requires: "viewer", singleUse: false, ttlMs };
}

/**
 * Relaunch failed hosts of a job labops launched for `command`, which must allow it (allowsRelaunch). It needs
 * the command's role (at least operator), re-checked at click time, and takes the command's target lock.
 * Exactly once per failed AAP job: the queued job's request id is derived from the AAP job id, so a second
 * click (or a second channel's button) is answered "already queued".
 */
export function relaunchButton(o: { aapJob: number; template: string; command: string; lockKey?: string | undefined; requires: Role; ttlMs: number }): ButtonSpec {
  return {
    kind: KIND.relaunch, label: "Relaunch failed hosts", style: "primary",
    payload: { aapJob: o.aapJob, template: o.template, command: o.command, ...(o.lockKey ? { lockKey: o.lockKey } : {}), requires: strictest("operator", o.requires) },
    requires: strictest("operator", o.requires), singleUse: false, ttlMs: o.ttlMs,
  };
}

/**
 * Run /<command> again: for what may not be relaunched from an alert (a cleanup, anything admin-only or
 * confirmed). A click is the command typed by the clicker: its role, cooldown, confirmation or preview apply.
 */
export function rerunButton(o: { aapJob: number; template: string; command: string; args: Record<string, unknown>; requires: Role; ttlMs: number }): ButtonSpec {
  return {
    kind: KIND.rerun, label: `Run /${o.command} again`,
    payload: { aapJob: o.aapJob, template: o.template, command: o.command, args: o.args }, requires: o.requires, singleUse: false, ttlMs: o.ttlMs,
  };
}

/**
 * Mute: no alerts for this group (`aap:<template>`, `labops:<command>`) for `ms`. Needs operator, or the role of
 * the command whose failures it silences when that is stricter (an operator does not hide an admin's cleanup).
 */
export function muteButton(group: string, subject: string, ms: number, ttlMs: number, requires: Role = "operator"): ButtonSpec {
  return { kind: KIND.mute, label: `Mute ${formatWindow(ms).replace(" ", "")}`, payload: { group, subject, ms }, requires: strictest("operator", requires), singleUse: false, ttlMs };
}

async function enqueue(deps: AckDeps, job: JobName, o: { command: string; args: Record<string, unknown>; actor: Actor; channel: ChannelRef; requestId: string; requires: Role; lockKey?: string | undefined }) {
  const r = await deps.jobs.enqueue(job, {
    command: o.command, args: o.args, actor: o.actor, channel: o.channel, requestId: o.requestId, requires: o.requires,
    ...(o.lockKey ? { lockKey: o.lockKey } : {}), enqueuedAt: Date.now(),
  });
  if (!r.duplicate) {
    await deps.audit.record({ event: "command", actor: actorKey(o.actor), command: o.command, jobId: r.jobId, target: o.lockKey, detail: JSON.stringify(o.args) }).catch(() => {});
  }
  return r;
}

const showLog: ActionHandler = {
  kind: KIND.showLog,
  async run({ payload, actor, channel, requestId, deps }) {
    const p = aapJobPayload.parse(payload);
    const { jobId } = await enqueue(deps, "aap.show-log", { command: "alert show-log", args: { aapJob: p.aapJob, template: p.template }, actor, channel, requestId, requires: "viewer" });
    return { reply: { title: `Fetching the output of AAP job ${p.aapJob}…`, state: "queued", ephemeral: true, jobId, lines: ["It follows in this channel."] } };
  },
};

const relaunch: ActionHandler = {
  kind: KIND.relaunch,
  async run({ payload, actor, channel, deps }) {
    const parsed = relaunchPayload.safeParse(payload);
    if (!parsed.success) throw new UserError("action_unknown", "This Relaunch button is from an older labops and no longer works; launch the job again with its command.");
    const p = parsed.data;
    // Checked again at click time: the command may have changed, and the clicker's role is read from today's grants.
    const cmd = deps.commands.get(p.command);
    if (!cmd || !allowsRelaunch(cmd.def)) {
      throw new UserError("relaunch_refused", `AAP job ${p.aapJob} cannot be relaunched from an alert${cmd ? `; run \`/${cmd.def.name}\` again instead (it has its own preview or confirmation)` : ""}.`);
    }
    // The role the launch's own arguments needed (p.requires, e.g. admin for /deploy --allow-elevated) stays a floor.
    const requires = strictest("operator", cmd.def.requires, p.requires);
    if (!deps.permissions.allows(actor, channel, requires)) {
      await deps.audit.record({ event: "refused", actor: actorKey(actor), command: "alert relaunch", detail: `aap job ${p.aapJob}: needs ${requires}` }).catch(() => {});
      throw new UserError("forbidden", `Relaunching a \`/${cmd.def.name}\` job needs the ${requires} role, which you do not have here.`);
    }
    const { jobId, duplicate } = await enqueue(deps, "aap.relaunch", {
      command: "alert relaunch", args: { aapJob: p.aapJob, template: p.template, command: cmd.def.name }, actor, channel,
      requestId: `alert-relaunch:${p.aapJob}`, lockKey: p.lockKey, requires,
    });
    const reply: Message = duplicate
      ? { title: `AAP job ${p.aapJob} is already being relaunched`, state: "info", ephemeral: true, jobId, lines: [`Job \`${jobId}\` was queued for it before; no second relaunch was made.`] }
      : { title: `Relaunch of the failed hosts of AAP job ${p.aapJob}: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId, lines: ["Progress follows in this channel."] };
    return { reply };
  },
};

const rerun: ActionHandler = {
  kind: KIND.rerun,
  async run({ payload, actor, channel, requestId, deps }) {
    const p = rerunPayload.parse(payload);
    // Exactly the command path (parse, role from today's grants, cooldown, confirmation); a redelivered click makes one job.
    const reply = await dispatchCommand(deps, { root: p.command.split(" ")[0]!, name: p.command, options: p.args, actor, channel, requestId: `alert-rerun:${requestId}` });
    return { reply };
  },
};

const mute: ActionHandler = {
  kind: KIND.mute,
  async run({ payload, actor, channel, requestId, deps }) {
    const p = mutePayload.parse(payload);
    // The ack path holds no Redis connection of its own: the mute is a tiny job, its message tells the channel.
    const { jobId } = await enqueue(deps, "alert.mute", { command: "alert mute", args: p, actor, channel, requestId, requires: "operator" });
    return { reply: { title: `Muting alerts for ${p.subject} for ${formatWindow(p.ms)}…`, state: "queued", ephemeral: true, jobId } };
  },
};

/** Buttons on alerts: Show log, Relaunch failed hosts, Run /x again, Mute 1h. */
export const alertActions: readonly ActionHandler[] = [showLog, relaunch, rerun, mute];
