/** When a timer fires: every `everyMs`, or on a cron pattern in an explicit zone. */
export type TimerRepeat = { everyMs: number } | { pattern: string; tz: string };

/** One firing: the scheduler's id, its data, and the time it was due (the same on every worker). */
export interface TimerFiring {
  schedulerId: string;
  dueAt: number;
  data: Record<string, unknown>;
}

/** Recurring timers that survive restarts, fired once per due time whatever the number of workers (`queue/timers.ts`). */
export interface TimerStore {
  /** Creates or replaces timer `id`, firing `name` with `data`. */
  upsert(id: string, repeat: TimerRepeat, name: string, data: Record<string, unknown>): Promise<void>;
  remove(id: string): Promise<boolean>;
  /** When timer `id` fires next (ms since the epoch), if it exists. */
  next(id: string): Promise<number | undefined>;
}
