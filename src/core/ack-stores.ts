import type { Actor } from "./actor.ts";

/** The per-person budget and the cooldown of mutating commands (`queue/admission.ts` implements it in Redis). */
export interface AdmissionGate {
  /** Charges one command or click to its person; throws a UserError when over budget or cooling down. */
  admit(actor: Actor, requestId: string, cooldownCommand?: string | undefined): Promise<"ok" | "seen">;
}

/** One target lock as /status shows it. */
export interface LockView {
  target: string;
  holder: string;
  waiting: string[];
  /** Remote work the holder recorded (`aap:<id>`, `aap:intent`) that keeps the target taken. */
  remote?: string | undefined;
}

/** The target locks as the acknowledgement path sees them (`queue/target-lock.ts` implements it). */
export interface LockStore {
  list(): Promise<LockView[]>;
  /** Frees a target held by a job that /cancel removed before it started. */
  release(target: string, jobId: string): Promise<void>;
}

/** How a command was answered, for the metrics. */
export type CommandOutcome = "queued" | "duplicate" | "confirm" | "answered" | "refused" | "bad_input" | "limited" | "error";

/** The metrics the acknowledgement path reports (`metrics/` implements them). */
export interface AckMetrics {
  commandHandled(command: string, outcome: CommandOutcome): void;
  ackLatency(platform: string, ms: number): void;
}
