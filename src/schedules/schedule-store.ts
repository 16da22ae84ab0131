import { randomBytes } from "node:crypto";
import type { Redis } from "ioredis";
import type { Actor, ChannelRef } from "../core/actor.ts";

/** One schedule: a command line run as its owner, on a cron in an explicit zone, posting where it was made. */
export interface ScheduleRecord {
  id: string;
  cron: string;
  tz: string;
  /** The command as typed, without the slash: `deploy traefik --check`. */
  text: string;
  /** The resolved command name (`deploy`, `app list`) and its arguments as parsed when it was added. */
  command: string;
  args: Record<string, unknown>;
  /** Who it runs as. Groups are not kept: a run counts only the owner's own grants (see schedule-runner.ts). */
  owner: Actor;
  channel: ChannelRef;
  createdAt: number;
}

/** Schedules in Redis (`<prefix>:schedules`, id → record); the timing itself lives in BullMQ's job scheduler `schedule:<id>`. */
export class ScheduleStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  get key(): string {
    return `${this.prefix}:schedules`;
  }

  newId(): string {
    return `s${randomBytes(3).toString("hex")}`;
  }

  async save(rec: ScheduleRecord): Promise<void> {
    await this.redis.hset(this.key, rec.id, JSON.stringify(rec));
  }

  async get(id: string): Promise<ScheduleRecord | undefined> {
    const raw = await this.redis.hget(this.key, id);
    return raw ? (JSON.parse(raw) as ScheduleRecord) : undefined;
  }

  async all(): Promise<ScheduleRecord[]> {
    const h = await this.redis.hgetall(this.key);
    return Object.values(h).map((v) => JSON.parse(v) as ScheduleRecord).sort((a, b) => a.createdAt - b.createdAt);
  }

  /** Deletes it; true only for the caller that actually removed it (two workers stopping one schedule report once). */
  async delete(id: string): Promise<boolean> {
    return (await this.redis.hdel(this.key, id)) === 1;
  }
}
