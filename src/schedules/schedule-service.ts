import type { Redis } from "ioredis";
import { actorKey, type Actor, type ChannelRef } from "../core/actor.ts";
import { roleFor } from "../core/command.ts";
import type { AckDeps } from "../core/dispatch.ts";
import type { Message } from "../core/message.ts";
import type { Notifier } from "../core/notifier.ts";
import { UserError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { TimerFiring, TimerStore } from "../core/timer-store.ts";
import { checkSchedule, ownerForRuns } from "./schedule-check.ts";
import { ScheduleStore, type ScheduleRecord } from "./schedule-store.ts";

export const SCHEDULE_RUN = "schedule.run";
const timerId = (id: string) => `schedule:${id}`;

/** What one firing did. */
export type RunOutcome =
  | { kind: "queued"; jobId: string; duplicate: boolean }
  | { kind: "answered" }
  | { kind: "stopped"; reason: string }
  | { kind: "gone" };

export interface ScheduleServiceOptions {
  timers: TimerStore;
  redis: Redis;
  prefix: string;
  /** The acknowledgement-path deps: the command registry, the current grants, the queue, the audit trail. */
  ack: AckDeps;
  notifier: Notifier;
  log: Logger;
  minIntervalMs: number;
  maxPerChannel: number;
}

/**
 * `/schedule`: commands on a cron, run as the person who added them. The timing is BullMQ's job scheduler
 * `schedule:<id>` in the `timers` queue (one firing per due time whatever the number of workers, kept in Redis
 * across restarts); each firing re-checks the owner's role against the grants in force and queues the command
 * with a request id made of the schedule and the due time, so a firing delivered twice still makes one job.
 */
export class ScheduleService {
  readonly store: ScheduleStore;

  constructor(private readonly o: ScheduleServiceOptions) {
    this.store = new ScheduleStore(o.redis, o.prefix);
  }

  async add(o: { cron: string; tz: string; text: string; actor: Actor; channel: ChannelRef }): Promise<ScheduleRecord> {
    const { cmd, args } = checkSchedule(this.o.ack, { ...o, minIntervalMs: this.o.minIntervalMs });
    const here = (await this.store.all()).filter((s) => s.channel.platform === o.channel.platform && s.channel.channel === o.channel.channel);
    if (here.length >= this.o.maxPerChannel) throw new UserError("schedule_limit", `This channel has ${here.length} schedules already (schedules.maxPerChannel); remove one first.`);
    const rec: ScheduleRecord = {
      id: this.store.newId(), cron: o.cron, tz: o.tz, text: o.text.trim().replace(/^\//, ""), command: cmd.def.name, args,
      owner: ownerForRuns(o.actor), channel: o.channel, createdAt: Date.now(),
    };
    await this.store.save(rec);
    await this.o.timers.upsert(timerId(rec.id), { pattern: rec.cron, tz: rec.tz }, SCHEDULE_RUN, { id: rec.id });
    return rec;
  }

  async list(): Promise<(ScheduleRecord & { next?: number | undefined })[]> {
    const all = await this.store.all();
    return Promise.all(all.map(async (s) => ({ ...s, next: await this.o.timers.next(timerId(s.id)).catch(() => undefined) })));
  }

  /**
   * Removes a schedule. With `by` (a person's /schedule remove): only its owner or an admin here may; anyone
   * else is refused and audited, and the schedule stays. Without `by`: the caller has already decided (tests, stops).
   */
  async remove(id: string, by?: { actor: Actor; channel: ChannelRef }): Promise<ScheduleRecord | undefined> {
    const rec = await this.store.get(id);
    if (rec && by && actorKey(by.actor) !== actorKey(rec.owner) && !this.o.ack.permissions.allows(by.actor, by.channel, "admin")) {
      await this.o.ack.audit.record({ event: "refused", actor: actorKey(by.actor), command: "schedule remove", detail: `schedule ${rec.id} of ${actorKey(rec.owner)}: not the owner` }).catch(() => {});
      throw new UserError("forbidden", `Schedule ${rec.id} is ${rec.owner.name}'s: only its owner or an admin may remove it.`);
    }
    await this.o.timers.remove(timerId(id));
    if (!rec || !(await this.store.delete(id))) return undefined;
    return rec;
  }

  /** One firing of `schedule:<id>` (a timer job). */
  async run(f: TimerFiring): Promise<RunOutcome> {
    const id = String(f.data.id ?? "");
    const rec = await this.store.get(id);
    if (!rec) {
      await this.o.timers.remove(timerId(id)); // removed meanwhile: make sure the timer goes too
      return { kind: "gone" };
    }
    const { ack } = this.o;
    const cmd = ack.commands.get(rec.command);
    const stop = (reason: string) => this.#stop(rec, reason);
    if (!cmd) return stop(`\`/${rec.command}\` no longer exists`);
    const parsed = cmd.def.args.safeParse(rec.args);
    if (!parsed.success) return stop(`its arguments are no longer valid for \`/${cmd.def.name}\``);
    const args = parsed.data as Record<string, unknown>;
    // The role these arguments need (/deploy --allow-elevated: admin), against the grants in force now.
    const needed = roleFor(cmd.def, args);
    if (!ack.permissions.allows(rec.owner, rec.channel, needed)) {
      await ack.audit.record({ event: "refused", actor: actorKey(rec.owner), command: cmd.def.name, detail: `scheduled ${rec.id}: permission` }).catch(() => {});
      return stop(`${rec.owner.name} no longer has the ${needed} role that \`/${cmd.def.name}\` needs here`);
    }
    const actor: Actor = { ...rec.owner, name: `${rec.owner.name} (schedule ${rec.id})` };
    const requestId = `schedule:${rec.id}:${f.dueAt}`;
    const lockKey = cmd.def.lock?.(args);
    const mark = `scheduled ${rec.id} (${rec.cron} ${rec.tz})`;
    const enqueue = async (jobName = cmd.def.job, extra: Record<string, unknown> = {}): Promise<Message> => {
      if (!jobName) throw new Error(`command ${cmd.def.name} has no job`);
      const { jobId, duplicate } = await ack.jobs.enqueue(jobName, {
        command: cmd.def.name, args: { ...args, ...extra }, actor, channel: rec.channel, requestId, ...(lockKey ? { lockKey } : {}), enqueuedAt: Date.now(),
      });
      if (!duplicate) await ack.audit.record({ event: "command", actor: actorKey(rec.owner), command: cmd.def.name, jobId, target: lockKey, detail: `${mark} ${JSON.stringify(args)}` }).catch(() => {});
      return { title: `/${cmd.def.name}: queued as job \`${jobId}\``, state: "queued", jobId, lines: duplicate ? ["already queued"] : [] };
    };
    const reply = cmd.def.run
      ? await cmd.def.run({ args, actor, channel: rec.channel, requestId, deps: ack, enqueue })
      : await enqueue();
    if (reply.jobId) return { kind: "queued", jobId: reply.jobId, duplicate: reply.lines?.[0] === "already queued" };
    // A command answered on the acknowledgement path (/status, /history): its answer is posted for the channel.
    await ack.audit.record({ event: "command", actor: actorKey(rec.owner), command: cmd.def.name, detail: mark }).catch(() => {});
    await this.o.notifier.post(rec.channel, { ...reply, ephemeral: false, title: `${reply.title} (schedule ${rec.id})` });
    return { kind: "answered" };
  }

  async #stop(rec: ScheduleRecord, reason: string): Promise<RunOutcome> {
    await this.o.timers.remove(timerId(rec.id));
    if (await this.store.delete(rec.id)) {
      this.o.log.info({ schedule: rec.id, reason }, "schedule stopped");
      await this.o.ack.audit.record({ event: "result", actor: actorKey(rec.owner), command: rec.command, detail: `schedule ${rec.id} stopped: ${reason}` }).catch(() => {});
      await this.o.notifier.post(rec.channel, {
        title: `Schedule ${rec.id} stopped`, state: "warning",
        lines: [`\`/${rec.text}\` (${rec.cron}, ${rec.tz}) no longer runs: ${reason}.`, "Add it again with `/labops schedule add` once that is fixed."],
      }).catch((err: unknown) => this.o.log.warn({ schedule: rec.id, err: String(err) }, "schedule stop notice not delivered"));
    }
    return { kind: "stopped", reason };
  }
}
