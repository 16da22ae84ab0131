import type { AckMetrics, CommandOutcome } from "../core/ack-stores.ts";

/**
 * How the acknowledgement path answered a command (declared in core/, which reports it). Beyond
 * queued|duplicate|refused|bad_input|error: `confirm` (it asked for a Confirm click instead of queuing),
 * `answered` (a run() that replied without a job) and `limited` (the person's budget, a cooldown or the cap on
 * their queued jobs).
 */
export type { CommandOutcome };
/** How one processing of a job ended: the processor's outcome, `retry` (failed, BullMQ tries again) or `error` (failed for good). */
export type JobOutcome = "success" | "failure" | "canceled" | "retry" | "error";
/** One call to a chat platform's API. */
export type ChatCallOutcome = "ok" | "rate_limited" | "error";

/**
 * What core code records. Take it as `metrics?: Metrics` and call it unconditionally through `?.`,
 * or pass `new NoopMetrics()`. Every method is cheap and never throws.
 */
export interface Metrics extends AckMetrics {
  /** A command was answered on the ack path. `command` is the registered name (`deploy`, `runner create`). */
  commandHandled(command: string, outcome: CommandOutcome): void;
  /** Time from the platform's delivery to our acknowledgement, in milliseconds. */
  ackLatency(platform: string, ms: number): void;
  /** One processing of a job ended; `kind` is the job name (`aap.deploy`), `ms` its run time. */
  jobFinished(kind: string, outcome: JobOutcome, ms: number): void;
  /** A job had to wait for a target lock; `target` is the lock key (`app:traefik`), only its kind (`app`) is kept. */
  lockWaited(target: string): void;
  /** One call to a chat platform's API (post or edit). */
  chatCall(platform: string, outcome: ChatCallOutcome): void;
  /** A backend request failed; `status` undefined means no HTTP answer (network, timeout). */
  backendError(service: string, status: number | undefined): void;
}

/** Records nothing: the default where no metrics are wanted (tests, the demo). */
export class NoopMetrics implements Metrics {
  commandHandled(): void {}
  ackLatency(): void {}
  jobFinished(): void {}
  lockWaited(): void {}
  chatCall(): void {}
  backendError(): void {}
}
