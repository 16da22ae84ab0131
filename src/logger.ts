import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger } from "pino";

export interface LoggerOptions {
  level?: string | undefined;
  /** Secret values (tokens, keys, passwords) scrubbed from every line, wherever they appear. */
  secrets?: readonly string[] | undefined;
  /** Where lines go; tests pass a capture stream. Default stdout. */
  destination?: DestinationStream | undefined;
  name?: string | undefined;
}

const REDACT_PATHS = [
  "token", "*.token", "apiKey", "*.apiKey", "password", "*.password", "secret", "*.secret",
  "authorization", "*.authorization", "headers.authorization", "*.headers.authorization",
  "config.headers", "*.config.headers", "signingSecret", "*.signingSecret", "appToken", "*.appToken", "botToken", "*.botToken",
];

/**
 * pino JSON logs. Known secret fields are redacted by path, and every configured secret value is
 * scrubbed from the serialized line as a last line of defence (an error message could carry one).
 */
export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = [...new Set(opts.secrets ?? [])].filter((s) => s.length >= 4).sort((a, b) => b.length - a.length);
  return pino(
    {
      name: opts.name ?? "labops",
      level: opts.level ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      hooks: secrets.length
        ? { streamWrite: (line: string) => scrub(line, secrets) }
        : {},
    },
    opts.destination ?? pino.destination({ dest: 1, sync: false }),
  );
}

/** Replaces each secret (and its JSON-escaped form) with a marker. */
export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join("[redacted]");
    const escaped = JSON.stringify(s).slice(1, -1);
    if (escaped !== s && out.includes(escaped)) out = out.split(escaped).join("[redacted]");
  }
  return out;
}
