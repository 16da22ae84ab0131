/**
 * Errors say who they are for.
 * - UserError: the message is shown verbatim to the person in chat; `code` is stable for tests and metrics.
 * - ApiError: an upstream system failed; never shown verbatim (bodies leak hosts, paths, traces).
 * - ConfigError: the operator's configuration is wrong; lists every bad field by name, never a value.
 */
export type Service = "aap" | "nautobot" | "proxmox" | "truenas" | "slack" | "discord" | "mattermost" | "git" | "github";

export class UserError extends Error {
  override name = "UserError";
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly service: Service,
    readonly status: number | undefined,
    readonly method: string,
    readonly path: string,
    /** Operator-facing reason (already stripped of secrets); shown only in logs. */
    readonly reason: string,
    options?: ErrorOptions & { retryable?: boolean | undefined },
  ) {
    super(`${service} ${method} ${path} failed${status === undefined ? "" : ` (${status})`}: ${reason}`, options);
    this.#retryable = options?.retryable;
  }
  readonly #retryable: boolean | undefined;

  /** Network errors, timeouts, 429 and 5xx are worth another try; 4xx are not. */
  get retryable(): boolean {
    if (this.#retryable !== undefined) return this.#retryable;
    return this.status === undefined || this.status === 429 || this.status >= 500;
  }

  /** What a person may be told: the system and a short, safe summary. */
  get userMessage(): string {
    const name = SERVICE_NAMES[this.service];
    if (this.status === undefined) return `${name} did not answer (${this.reason.split("\n")[0]}).`;
    if (this.status === 401 || this.status === 403) return `${name} rejected the credentials labops uses (${this.status}).`;
    if (this.status === 429) return `${name} is rate limiting labops; try again shortly.`;
    if (this.status >= 500) return `${name} had an internal error (${this.status}).`;
    return `${name} refused the request (${this.status}).`;
  }
}

/**
 * An upstream answer named a URL on another origin (a pagination `next` link, a redirect's Location): labops
 * sends its token only to the configured origin, so it refused and sent nothing. `linkOrigin` is for the operator.
 */
export class ForeignLinkError extends ApiError {
  override name = "ForeignLinkError";
  constructor(
    service: Service,
    method: string,
    readonly linkOrigin: string,
    readonly expectedOrigin: string,
    what = "a link",
  ) {
    super(
      service,
      undefined,
      method,
      "(link refused)",
      `refused ${what} to ${linkOrigin}: only ${expectedOrigin} receives the token. If ${SERVICE_NAMES[service]} sits behind a ` +
        "proxy, make it build links with the address labops is configured with (forwarded host and scheme).",
      { retryable: false },
    );
  }

  override get userMessage(): string {
    return `${SERVICE_NAMES[this.service]} answered with a link to another server, which labops does not follow.`;
  }
}

export const SERVICE_NAMES: Record<Service, string> = {
  aap: "AAP",
  nautobot: "Nautobot",
  proxmox: "Proxmox",
  truenas: "TrueNAS",
  slack: "Slack",
  discord: "Discord",
  mattermost: "Mattermost",
  git: "Git",
  github: "GitHub",
};

/** The job queue (Redis) is down or too slow: nothing was queued, or (uncertain) maybe something was. */
export class QueueUnavailableError extends UserError {
  constructor(options?: ErrorOptions & { uncertain?: boolean }) {
    super(
      "queue_unavailable",
      options?.uncertain
        ? "The job queue is answering too slowly (Redis took more than 2 s), so this request may not have been queued. Check `/status` before you try again."
        : "The job queue is unavailable right now (Redis is not answering), so nothing was queued. Try again in a minute.",
      options,
    );
  }
}

/** Thrown by a platform notifier on HTTP 429: the bucket pauses for `retryAfterMs`, and the call is retried. */
export class RateLimitedError extends Error {
  override name = "RateLimitedError";
  constructor(readonly retryAfterMs: number) {
    super(`rate limited for ${retryAfterMs} ms`);
  }
}

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** A failure an operator must look at, reported with a reference id that also appears in the log line. */
export function describeForUser(err: unknown, ref: string): string {
  if (err instanceof UserError) return err.message;
  if (err instanceof ApiError) return `${err.userMessage} Reference: ${ref}.`;
  return `Something went wrong inside labops. Reference: ${ref}.`;
}

/** A worker paused past its job lock: another worker has taken the job over (nothing more may be done). */
export class LostOwnershipError extends Error {
  override name = "LostOwnershipError";
  constructor(jobId: string) {
    super(`job ${jobId} is no longer owned by this worker`);
  }
}

/** The job's target lock is held by another job: remote work must not start (the attempt is retried and waits in line). */
export class TargetLockLostError extends Error {
  override name = "TargetLockLostError";
  constructor(target: string) {
    super(`the lock on ${target} is no longer held by this job`);
  }
}

/** What the operator's log gets: class, code and message, never request configs or headers. */
export function errorFields(err: unknown): Record<string, unknown> {
  if (err instanceof ApiError) return { type: err.name, service: err.service, status: err.status, method: err.method, path: err.path, reason: err.reason };
  if (err instanceof Error) return { type: err.name, message: err.message, stack: err.stack?.split("\n").slice(0, 6).join("\n") };
  return { message: String(err) };
}
