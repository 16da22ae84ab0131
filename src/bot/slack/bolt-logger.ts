import { LogLevel, type Logger as BoltLogger } from "@slack/web-api";
import type { Logger } from "../../logger.ts";

const FROM_PINO: Record<string, LogLevel> = { trace: LogLevel.DEBUG, debug: LogLevel.DEBUG, info: LogLevel.INFO, warn: LogLevel.WARN, error: LogLevel.ERROR, fatal: LogLevel.ERROR };

/**
 * Bolt's (and web-api's, socket-mode's) logger interface on top of our pino logger: Bolt's lines land in
 * the same JSON stream, with the same secret scrubbing. Bolt may not change our level.
 */
export function boltLogger(log: Logger): BoltLogger {
  const child = log.child({ component: "slack" });
  const text = (msg: unknown[]) => leaveOutPayloads(msg.map((m) => (typeof m === "string" ? m : m instanceof Error ? m.message : JSON.stringify(m))).join(" "));
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

const RECEIVED = /^(Received a message on the WebSocket: )(\{[\s\S]*\})$/;

/**
 * Socket Mode's debug line carries each whole event: a command's text and a modal's answers (a survey's
 * password too). Only its type and envelope id are kept.
 */
export function leaveOutPayloads(line: string): string {
  const m = RECEIVED.exec(line);
  if (!m) return line;
  try {
    const e = JSON.parse(m[2]!) as { type?: unknown; envelope_id?: unknown; payload?: { type?: unknown } };
    return `${m[1]}${JSON.stringify({ type: e.type, envelope_id: e.envelope_id, ...(e.payload?.type ? { payload_type: e.payload.type } : {}), payload: "(left out)" })}`;
  } catch {
    return `${m[1]}(left out)`;
  }
}
