import { CronExpressionParser } from "cron-parser";

/** A zone name the runtime knows (IANA, e.g. Europe/Berlin), or UTC. */
export function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]{0,63}$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Parses a cron expression (5 fields, or 6 with seconds first) with cron-parser, the library BullMQ's own
 * scheduler uses, so what is accepted here is what runs. Throws with cron-parser's reason.
 */
export function parseCron(expr: string, tz: string, from = new Date()) {
  if (!/^[0-9*/,\-?LW#A-Za-z ]{1,100}$/.test(expr) || expr.trim().split(/\s+/).length < 5 || expr.trim().split(/\s+/).length > 6) {
    throw new Error("a cron expression has 5 fields (minute hour day month weekday), or 6 with seconds first");
  }
  return CronExpressionParser.parse(expr, { tz, currentDate: from, strict: false });
}

/** The reason a cron expression is refused, or undefined when it is valid in `tz`. */
export function cronProblem(expr: string, tz: string): string | undefined {
  if (!isTimeZone(tz)) return `\`${tz}\` is not a time zone (use e.g. UTC or Europe/Berlin)`;
  try {
    parseCron(expr, tz).next();
    return undefined;
  } catch (err) {
    return `\`${expr}\` is not a cron expression: ${(err as Error).message}`;
  }
}

/** The next `count` run times after `from`. */
export function nextRuns(expr: string, tz: string, count: number, from = new Date()): Date[] {
  const it = parseCron(expr, tz, from);
  return Array.from({ length: count }, () => it.next().toDate());
}

/** The shortest gap between two runs among the next few (a cron like `0,1 * * * *` is short only sometimes). */
export function shortestGapMs(expr: string, tz: string, from = new Date()): number {
  const runs = nextRuns(expr, tz, 12, from);
  let min = Infinity;
  for (let i = 1; i < runs.length; i++) min = Math.min(min, runs[i]!.getTime() - runs[i - 1]!.getTime());
  return min;
}

/** The latest occurrence at or before `at` (for maintenance windows), or undefined. */
export function previousRun(expr: string, tz: string, at: Date): Date | undefined {
  try {
    return parseCron(expr, tz, new Date(at.getTime() + 1)).prev().toDate();
  } catch {
    return undefined;
  }
}
