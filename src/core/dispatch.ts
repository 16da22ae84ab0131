import type { SurveyCache } from "./survey-cache.ts";
import type { SecretBox } from "./secret-box.ts";
import type { VersionStore } from "./version-store.ts";
import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { QueueUnavailableError, UserError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { AckMetrics, AdmissionGate, CommandOutcome, LockStore } from "./ack-stores.ts";
import type { JobSink } from "./job-sink.ts";
import type { CatalogCache } from "./catalog-cache.ts";
import { secondPersonError, type ActionStore } from "./action-store.ts";
import { confirmBinding, confirmWhoLine } from "./two-person.ts";
import { actorKey, type Actor, type ChannelRef, type MessageRef, type Role } from "./actor.ts";
import type { AuditLog } from "./audit-log.ts";
import type { CommandRegistry, RegisteredCommand } from "./command-registry.ts";
import { roleFor } from "./command.ts";
import type { Message } from "./message.ts";
import { checkNames } from "./check-names.ts";
import type { LookupCache } from "./lookup-cache.ts";
import { parseText } from "./parse-text.ts";
import type { RunTemplate } from "./run-policy.ts";
import type { Permissions } from "./permissions.ts";

/** What the acknowledgement path may touch: the queue, Redis-held state, config. Never a backend. */
export interface AckDeps {
  commands: CommandRegistry;
  jobs: JobSink;
  actions: ActionStore;
  permissions: Permissions;
  audit: AuditLog;
  /** Per-person budget and the cooldown of mutating commands (one Redis round trip per command or click). */
  admission: AdmissionGate;
  log: Logger;
  confirmTtlMs: number;
  /** The IANA zone times are shown in (the `timeZone` setting; default UTC). */
  timeZone?: string | undefined;
  actionHandlers: ReadonlyMap<string, ActionHandler>;
  /** Read-only views for /status (Redis, not a backend). */
  locks: LockStore;
  /** The backends' versions as detected in the background (Redis, not a backend). */
  versions?: VersionStore | undefined;
  metrics?: AckMetrics | undefined;
  /** Names of apps, hosts, nodes and runners, refreshed in the background: "did you mean" before anything is queued. */
  lookups?: LookupCache | undefined;
  /** app_list as last read in the background, so /labops app list and show answer in one private message. */
  catalog?: CatalogCache | undefined;
  /**
   * Read-only answers by command name (`alerts list`, `runner status`…), from Redis or the background copies,
   * never a backend: the command answers in one private message. Undefined (or an undefined answer, before a
   * copy has loaded): the command's job answers instead.
   */
  views?: Partial<Record<string, () => Promise<Message | undefined>>> | undefined;
  /** The role `/alerts mute|unmute` needs for a scope (from the settings' template names); the worker checks again. */
  muteRole?: ((scope: string) => Role) | undefined;
  /** The templates `/labops run` may launch (settings `run.templates`); the worker checks again. */
  runTemplates?: Readonly<Record<string, RunTemplate>> | undefined;
  /** The surveys of `run.templates`' job templates, read in the background; the worker reads them again. */
  surveys?: SurveyCache | undefined;
  /** Seals secret survey answers (SURVEY_SECRET_KEY); absent, a survey that asks a password is refused. */
  secretBox?: SecretBox | undefined;
  /** The two-person rule (settings `twoPerson`): whether this command's confirmation needs a second person. */
  twoPerson?: ((command: string) => boolean) | undefined;
}

export interface CommandRequest {
  /** Top-level command (`deploy`, `runner`) with its text, as Slack and the terminal deliver it... */
  root: string;
  text?: string | undefined;
  /** ...or already-structured options with the full command name, as Discord delivers them. */
  name?: string | undefined;
  options?: Record<string, unknown> | undefined;
  actor: Actor;
  channel: ChannelRef;
  /** The platform's id for this delivery (Slack trigger_id, Discord interaction id): a redelivery makes no second job. */
  requestId: string;
}

/** What a button click answers: a reply to the clicker and/or a replacement for the clicked message. */
export interface ActionOutcome {
  reply?: Message | undefined;
  update?: Message | undefined;
}

export interface ActionHandler {
  kind: string;
  run(ctx: { payload: Record<string, unknown>; actor: Actor; channel: ChannelRef; message?: MessageRef | undefined; requestId: string; deps: AckDeps }): Promise<ActionOutcome>;
}

/** Parses, authorises and enqueues one command. Always answers with a Message, never throws at the front end. */
export async function dispatchCommand(deps: AckDeps, req: CommandRequest): Promise<Message> {
  const t0 = performance.now();
  let cmd: RegisteredCommand | undefined;
  let outcome: CommandOutcome = "error";
  let reply: Message;
  try {
    const resolved = req.name ? deps.commands.get(req.name) : undefined;
    let text = req.text ?? "";
    if (resolved) cmd = resolved;
    else {
      const r = deps.commands.resolve(req.root, text);
      if ("error" in r) throw new UserError("unknown_command", r.error);
      cmd = r.cmd;
      text = r.rest;
    }
    const raw = req.options ?? parseText(text, cmd.specs, cmd.usage);
    const parsed = cmd.def.args.safeParse(raw);
    if (!parsed.success) throw new UserError("bad_args", describeIssues(parsed.error, cmd));
    // Every command is charged to its person before anything else touches Redis, refusals included (they are
    // audited). A redelivery passes untouched and is answered "already received" by the queue.
    const args = parsed.data as Record<string, unknown>;
    const needed = roleFor(cmd.def, args);
    const allowed = deps.permissions.allows(req.actor, req.channel, needed);
    const cooldown = allowed && cmd.def.mutating && !cmd.def.confirm ? cmd.def.name : undefined;
    await deps.admission.admit(req.actor, req.requestId, cooldown);
    if (!allowed) {
      await deps.audit.record({ event: "refused", actor: actorKey(req.actor), command: cmd.def.name, detail: "permission" }).catch(() => {});
      const raised = needed !== cmd.def.requires && deps.permissions.allows(req.actor, req.channel, cmd.def.requires) ? cmd.def.requiresFor?.(args) : undefined;
      if (raised) throw new UserError("forbidden", `${raised.reason}; only the ${raised.role} role may do that, which you do not have here.`);
      throw new UserError("forbidden", `\`/${deps.commands.typed(cmd.def.name)}\` needs the ${needed} role, which you do not have here. Ask an admin.`);
    }
    checkNames(deps.lookups, cmd, args, deps.timeZone);
    if (cmd.def.confirm) {
      reply = await askConfirmation(deps, cmd, args, req);
      outcome = "confirm";
    } else {
      const ctx = ackContext(deps, cmd, args, req);
      reply = cmd.def.run ? await cmd.def.run(ctx) : await ctx.enqueue();
      outcome = reply.jobId ? (reply.lines?.[0]?.startsWith("This request was already received") ? "duplicate" : "queued") : reply.state === "failure" ? "error" : "answered";
    }
  } catch (caught) {
    const err = unavailable(deps, caught);
    reply = errorReply(deps.log, err, cmd ? `/${deps.commands.typed(cmd.def.name)}` : `/${req.root}`);
    outcome = err instanceof UserError ? OUTCOME_OF_CODE[err.code] ?? "error" : "error";
  }
  deps.metrics?.commandHandled(cmd?.def.name ?? "other", outcome);
  deps.metrics?.ackLatency(req.actor.platform, performance.now() - t0);
  return reply;
}

const OUTCOME_OF_CODE: Partial<Record<string, CommandOutcome>> = {
  forbidden: "refused", bad_args: "bad_input", unknown_command: "bad_input", unknown_name: "bad_input", rate_limited: "limited", cooldown: "limited", too_many_jobs: "limited",
};

/** The enqueue helper a command's run() gets. */
export function ackContext(deps: AckDeps, cmd: RegisteredCommand, args: Record<string, unknown>, req: Omit<CommandRequest, "root">) {
  return {
    args, actor: req.actor, channel: req.channel, requestId: req.requestId, deps,
    async enqueue(jobName = cmd.def.job, extra: Record<string, unknown> = {}, opts: { uncapped?: boolean | undefined } = {}): Promise<Message> {
      if (!jobName) throw new Error(`command ${cmd.def.name} has no job`);
      const lockKey = cmd.def.lock?.(args);
      const { jobId, duplicate } = await deps.jobs.enqueue(jobName, {
        command: cmd.def.name, args: { ...args, ...extra }, actor: req.actor, channel: req.channel, requestId: req.requestId,
        ...(lockKey ? { lockKey } : {}), requires: roleFor(cmd.def, { ...args, ...extra }), enqueuedAt: Date.now(),
      }, opts);
      if (!duplicate) {
        // Not awaited: the job is already queued, and the acknowledgement should not wait on the audit write.
        void deps.audit.record({ event: "command", actor: actorKey(req.actor), command: cmd.def.name, jobId, target: lockKey, detail: JSON.stringify(args) }).catch(() => {});
      }
      return { title: `/${deps.commands.typed(cmd.def.name)}: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId,
        lines: duplicate ? ["This request was already received; no second job was made."] : ["Progress follows in this channel."] };
    },
  };
}

async function askConfirmation(deps: AckDeps, cmd: RegisteredCommand, args: Record<string, unknown>, req: CommandRequest): Promise<Message> {
  const policy = cmd.def.confirm!;
  const second = deps.twoPerson?.(cmd.def.name) ?? false;
  const requires = roleFor(cmd.def, args);
  const common = { requires, singleUse: true, ttlMs: deps.confirmTtlMs };
  const payload = { command: cmd.def.name, args, requestId: req.requestId, requestedBy: actorKey(req.actor), requestedByName: req.actor.name };
  const confirmId = await deps.actions.create({ kind: "confirm-command", payload, ...common, ...confirmBinding(second, req.actor) });
  // Cancel stays the asker's; under the two-person rule anyone who may confirm may also cancel.
  const cancelId = await deps.actions.create({ kind: "cancel", payload: { confirmId }, ...common, ...(second ? {} : confirmBinding(false, req.actor)) });
  return {
    title: policy.title(args),
    state: "warning",
    lines: [...policy.lines(args), confirmWhoLine(second, req.actor, requires, `${Math.round(deps.confirmTtlMs / 60_000)} min`)],
    buttons: [{ id: confirmId, label: policy.confirmLabel ?? "Confirm", style: "danger" }, { id: cancelId, label: "Cancel" }],
  };
}

/** Handles a button click: claims the server-side action (owner, expiry, single use), re-checks the role, runs it. */
export async function dispatchAction(deps: AckDeps, req: { actionId: string; actor: Actor; channel: ChannelRef; message?: MessageRef | undefined; requestId?: string | undefined }): Promise<ActionOutcome> {
  try {
    // The role is checked before the click is claimed, so someone without it cannot use up a single-use button.
    const seen = await deps.actions.peek(req.actionId).catch(() => undefined);
    if (seen?.boundTo && seen.boundTo !== actorKey(req.actor)) {
      throw new UserError("action_foreign", `Only ${seen.boundName ?? "the person who asked"} can use this button.`);
    }
    if (seen?.notBy && seen.notBy === actorKey(req.actor)) throw secondPersonError(seen);
    if (seen && !deps.permissions.allows(req.actor, req.channel, seen.requires)) {
      throw new UserError("forbidden", `This button needs the ${seen.requires} role, which you do not have here.`);
    }
    // A click is charged like a command (after the cheap checks, so a foreign click costs its clicker nothing).
    await deps.admission.admit(req.actor, req.requestId ?? `click:${randomUUID()}`);
    const rec = await deps.actions.take(req.actionId, req.actor);
    if (!deps.permissions.allows(req.actor, req.channel, rec.requires)) {
      throw new UserError("forbidden", `This button needs the ${rec.requires} role, which you do not have here.`);
    }
    const handler = deps.actionHandlers.get(rec.kind);
    if (!handler) throw new UserError("action_unknown", "This button no longer does anything.");
    await deps.audit.record({ event: "action", actor: actorKey(req.actor), detail: rec.kind }).catch(() => {});
    return await handler.run({ payload: rec.payload, actor: req.actor, channel: req.channel, message: req.message, requestId: req.requestId ?? randomUUID(), deps });
  } catch (err) {
    return { reply: errorReply(deps.log, unavailable(deps, err), "Button") };
  }
}

/**
 * Any Redis step on the ack path (cooldown, confirmation buttons, action claims, reads) fails at once
 * while the producer connection is down: tell the person the queue is unavailable, not "something went wrong".
 */
function unavailable(deps: AckDeps, err: unknown): unknown {
  return !(err instanceof UserError) && !deps.jobs.ready ? new QueueUnavailableError({ cause: err }) : err;
}

function describeIssues(error: z.ZodError, cmd: RegisteredCommand): string {
  const lines = error.issues.slice(0, 3).map((i) => {
    const name = String(i.path[0] ?? "");
    const spec = cmd.specs.find((s) => s.name === name);
    const what = spec?.description ? ` (${spec.description})` : "";
    if (i.code === "invalid_type" && i.input === undefined) return `\`${name}\` is missing${what}.`;
    return `\`${name}\`: ${i.message}${what}.`;
  });
  return `${lines.join("\n")}\nUsage: \`${cmd.usage}\``;
}

export function errorReply(log: Logger, err: unknown, title: string): Message {
  if (err instanceof UserError) return { title: `${title}: ${err.code === "forbidden" ? "not allowed" : "cannot do that"}`, state: "failure", lines: [err.message], ephemeral: true };
  const ref = randomUUID().slice(0, 8);
  log.error({ ref, err: err instanceof Error ? { type: err.name, message: err.message } : String(err) }, "command failed on the ack path");
  return { title: `${title}: failed`, state: "failure", lines: [`Something went wrong inside labops. Reference: ${ref}.`], ephemeral: true };
}
