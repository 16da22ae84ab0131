import { alertActions } from "../alerts/alert-actions.ts";
import { approvalActions } from "../approvals/approval-actions.ts";
import { UserError } from "../errors.ts";
import { gitopsDeployAction } from "../gitops/deploy-button.ts";
import { cleanupActions } from "./cleanup-actions.ts";
import { deployApplyAction } from "./deploy-apply.ts";
import { roleFor } from "../core/command.ts";
import { ackContext, type ActionHandler } from "../core/dispatch.ts";

/** A confirmed command: enqueue it now, exactly as if it had needed no confirmation. */
const confirmCommand: ActionHandler = {
  kind: "confirm-command",
  async run({ payload, actor, channel, deps }) {
    const cmd = deps.commands.get(String(payload.command));
    if (!cmd) throw new UserError("action_unknown", "That command no longer exists.");
    // The button records the role it was made with; the command's own role today is checked too.
    const args = cmd.def.args.parse(payload.args) as Record<string, unknown>;
    const needed = roleFor(cmd.def, args);
    if (!deps.permissions.allows(actor, channel, needed)) throw new UserError("forbidden", `\`/${cmd.def.name}\` needs the ${needed} role, which you do not have here.`);
    // The audit trail keeps both people: who confirmed (actor) and who asked (detail).
    const asker = typeof payload.requestedBy === "string" ? payload.requestedBy : undefined;
    await deps.audit.record({ event: "confirmed", actor: `${actor.platform}:${actor.id}`, command: cmd.def.name, ...(asker ? { detail: `requested by ${asker}` } : {}) }).catch(() => {});
    const reply = await ackContext(deps, cmd, args, { actor, channel, requestId: `confirmed:${String(payload.requestId)}` }).enqueue();
    const askedBy = typeof payload.requestedByName === "string" && asker !== `${actor.platform}:${actor.id}` ? ` (asked by ${payload.requestedByName})` : "";
    return { reply, update: { title: `/${deps.commands.typed(cmd.def.name)}: confirmed by ${actor.name}${askedBy}`, state: "info", lines: [`Queued as job \`${reply.jobId ?? "?"}\`.`] } };
  },
};

/** Cancel on a confirmation: the confirm button is dropped too. */
const cancel: ActionHandler = {
  kind: "cancel",
  async run({ payload, actor, deps }) {
    if (typeof payload.confirmId === "string") await deps.actions.drop(payload.confirmId);
    await deps.audit.record({ event: "canceled", actor: `${actor.platform}:${actor.id}` }).catch(() => {});
    return { update: { title: `Canceled by ${actor.name}`, state: "canceled", lines: ["Nothing was done."] } };
  },
};

export const ACTION_HANDLERS: readonly ActionHandler[] = [confirmCommand, cancel, ...cleanupActions, ...alertActions, ...approvalActions, gitopsDeployAction, deployApplyAction];
