import { z } from "zod";
import { actorKey, type Actor, type ChannelRef } from "../core/actor.ts";
import type { AckDeps, ActionHandler } from "../core/dispatch.ts";
import type { Message } from "../core/message.ts";
import { formatWindow } from "./alert-message.ts";
import type { ButtonSpec } from "./alert-service.ts";

/**
 * Buttons on alerts. Their payload stays server-side (ActionStore); a click runs on the acknowledgement
 * path, so nothing here calls AAP: Show log and Relaunch queue a job (aap.show-log, aap.relaunch) that
 * posts its own message in the channel; Mute queues alert.mute, which sets the mute key in Redis.
 */
const KIND = { showLog: "alert-show-log", relaunch: "alert-relaunch", mute: "alert-mute" } as const;

const aapJobPayload = z.object({ aapJob: z.number().int().positive(), template: z.string().optional(), lockKey: z.string().optional() });
const mutePayload = z.object({ group: z.string().min(1), subject: z.string(), ms: z.number().int().positive() });

/** Show log (viewer): the last ~60 lines of output, posted as a new message. Reusable. */
export function showLogButton(aapJob: number, template: string, ttlMs: number): ButtonSpec {
  return { kind: KIND.showLog, label: "Show log", payload: { aapJob, template }, requires: "viewer", singleUse: false, ttlMs };
}

/**
 * Relaunch failed hosts (operator). Exactly once per failed AAP job: the queued job's request id is derived
 * from the AAP job id, so a second click (or a second channel's button) is answered "already queued".
 */
export function relaunchButton(aapJob: number, template: string, lockKey: string | undefined, ttlMs: number): ButtonSpec {
  return {
    kind: KIND.relaunch, label: "Relaunch failed hosts", style: "primary",
    payload: { aapJob, template, ...(lockKey ? { lockKey } : {}) }, requires: "operator", singleUse: false, ttlMs,
  };
}

/** Mute (operator): no alerts for this group (`aap:<template>`, `labops:<command>`) for `ms`. */
export function muteButton(group: string, subject: string, ms: number, ttlMs: number): ButtonSpec {
  return { kind: KIND.mute, label: `Mute ${formatWindow(ms).replace(" ", "")}`, payload: { group, subject, ms }, requires: "operator", singleUse: false, ttlMs };
}

async function enqueue(deps: AckDeps, job: string, o: { command: string; args: Record<string, unknown>; actor: Actor; channel: ChannelRef; requestId: string; lockKey?: string | undefined }) {
  const r = await deps.jobs.enqueue(job, {
    command: o.command, args: o.args, actor: o.actor, channel: o.channel, requestId: o.requestId,
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
    const { jobId } = await enqueue(deps, "aap.show-log", { command: "alert show-log", args: { aapJob: p.aapJob, template: p.template }, actor, channel, requestId });
    return { reply: { title: `Fetching the output of AAP job ${p.aapJob}…`, state: "queued", ephemeral: true, jobId, lines: ["It follows in this channel."] } };
  },
};

const relaunch: ActionHandler = {
  kind: KIND.relaunch,
  async run({ payload, actor, channel, deps }) {
    const p = aapJobPayload.parse(payload);
    const { jobId, duplicate } = await enqueue(deps, "aap.relaunch", {
      command: "alert relaunch", args: { aapJob: p.aapJob, template: p.template }, actor, channel, requestId: `alert-relaunch:${p.aapJob}`, lockKey: p.lockKey,
    });
    const reply: Message = duplicate
      ? { title: `AAP job ${p.aapJob} is already being relaunched`, state: "info", ephemeral: true, jobId, lines: [`Job \`${jobId}\` was queued for it before; no second relaunch was made.`] }
      : { title: `Relaunch of the failed hosts of AAP job ${p.aapJob}: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId, lines: ["Progress follows in this channel."] };
    return { reply };
  },
};

const mute: ActionHandler = {
  kind: KIND.mute,
  async run({ payload, actor, channel, requestId, deps }) {
    const p = mutePayload.parse(payload);
    // The ack path holds no Redis connection of its own: the mute is a tiny job, its message tells the channel.
    const { jobId } = await enqueue(deps, "alert.mute", { command: "alert mute", args: p, actor, channel, requestId });
    return { reply: { title: `Muting alerts for ${p.subject} for ${formatWindow(p.ms)}…`, state: "queued", ephemeral: true, jobId } };
  },
};

/** Buttons on alerts: Show log, Relaunch failed hosts, Mute 1h. */
export const alertActions: readonly ActionHandler[] = [showLog, relaunch, mute];
