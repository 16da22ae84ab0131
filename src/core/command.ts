import type { z } from "zod";
import { strictest, type Actor, type ChannelRef, type Role } from "./actor.ts";
import type { Message } from "./message.ts";
import type { AckDeps } from "./dispatch.ts";
import type { JobName } from "./job-names.ts";

/** What a command sees on the acknowledgement path. Nothing here calls a backend. */
export interface AckContext<A> {
  args: A;
  actor: Actor;
  channel: ChannelRef;
  requestId: string;
  /** Redis-held state only (queue, locks, audit, actions): the ack path never calls a backend. */
  deps: AckDeps;
  /**
   * Enqueues this command's job (with its lock key) and returns the acknowledgement. `uncapped`: the job
   * is not refused when its person is at the cap on queued jobs (a /cancel must get through).
   */
  enqueue(jobName?: JobName, extra?: Record<string, unknown>, opts?: { uncapped?: boolean | undefined }): Promise<Message>;
}

/** A confirmation the person must click before the job is queued. */
export interface ConfirmPolicy<A> {
  title(args: A): string;
  lines(args: A): string[];
  confirmLabel?: string | undefined;
}

/**
 * One chat command, shared by every front end. Names with a space (`runner create`) are subcommands:
 * `/runner create` on Slack, `/runner` with subcommand `create` on Discord.
 */
export interface CommandDefinition<S extends z.ZodObject = z.ZodObject> {
  name: string;
  description: string;
  requires: Role;
  args: S;
  /** Fields given without a flag, in order (`/deploy traefik`). */
  positional?: readonly (keyof z.infer<S> & string)[] | undefined;
  /** The last positional that takes the rest of the line verbatim (flags included), e.g. a command to schedule. */
  rest?: (keyof z.infer<S> & string) | undefined;
  /** The job that does the work; default run() enqueues it. */
  job?: JobName | undefined;
  /** Target lock key: a second job on the same target waits in line. */
  lock?(args: z.infer<S>): string;
  /** Ask for a confirmation (bound to the asker, single-use, expiring) before enqueueing. */
  confirm?: ConfirmPolicy<z.infer<S>> | undefined;
  /**
   * An alert on a failed AAP job this command launched may offer "Relaunch failed hosts" (with the command's
   * role and target lock). Ignored for admin commands and commands with a confirmation (see allowsRelaunch):
   * their alerts offer to run the command again, through its own preview and confirmation.
   */
  relaunchFromAlert?: boolean | undefined;
  /**
   * Also its own slash command (`/deploy`, `/runner create`) besides `/labops deploy`. Only for names that
   * neither Slack (`/status`) nor other apps in a workspace (`/app`, `/job`, `/help`) are likely to take.
   */
  shortcut?: boolean | undefined;
  /** Example invocations without the command name (`traefik --check`), shown by help; each one must parse. */
  examples?: readonly string[] | undefined;
  /** Mutating commands are subject to the per-user cooldown (every command is subject to the per-person budget). */
  mutating?: boolean | undefined;
  /** Autocomplete source for an argument (served from caches, never a backend call on the ack path). */
  complete?: Partial<Record<keyof z.infer<S> & string, string>> | undefined;
  /**
   * Arguments that need more than `requires` (`/app add --privileged`, `/deploy --allow-elevated`: admin), with
   * why, said when refused. Every path that runs the command again (relaunch, run again) needs the same role.
   */
  requiresFor?(args: z.infer<S>): { role: Role; reason: string } | undefined;
  /** Custom acknowledgement-path logic; default: `enqueue()`. Must not call a backend. */
  run?(ctx: AckContext<z.infer<S>>): Promise<Message>;
}

export function defineCommand<S extends z.ZodObject>(def: CommandDefinition<S>): CommandDefinition<S> {
  return def;
}

/**
 * A read-only command's answer at acknowledgement: one private message from `deps.views[name]` (Redis or a
 * background copy, never a backend); the command's job when there is no view or it has nothing yet.
 */
export async function answerFromView<A>(ctx: AckContext<A>, name: string): Promise<Message> {
  const view = ctx.deps.views?.[name];
  const msg = view ? await view() : undefined;
  return msg ? { ...msg, ephemeral: true } : ctx.enqueue();
}

/** Whether an alert may relaunch what this command launched: it must say so, and not be destructive (admin-only or confirmed). */
export function allowsRelaunch(def: Pick<CommandDefinition, "relaunchFromAlert" | "requires" | "confirm">): boolean {
  return def.relaunchFromAlert === true && def.requires !== "admin" && !def.confirm;
}

/** The role these arguments of the command need: `requires`, raised by `requiresFor`. */
export function roleFor(def: Pick<CommandDefinition, "requires" | "requiresFor">, args: Record<string, unknown>): Role {
  return strictest(def.requires, def.requiresFor?.(args)?.role);
}
