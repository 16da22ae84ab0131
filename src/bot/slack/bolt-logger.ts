import { LogLevel, type Logger as BoltLogger } from "@slack/web-api";
import type { Logger } from "../../logger.ts";

const FROM_PINO: Record<string, LogLevel> = { trace: LogLevel.DEBUG, debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR, fatal: LogLevel.ERROR };

/**
 * Bolt's (and web-api's, socket-mode's) logger interface on top of our pino logger: Bolt's lines land in
 * the same JSON stream, with the same secret scrubbing. Bolt may not change our level.
 */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: "slack" });
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === "string" ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(" ");
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: () => {},
    getLevel: () => FROM_PINO[log.level] ?? LogLevel.INFO,
    setName: () => {},
  };
}
