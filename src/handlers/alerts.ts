import { MUTE_SCOPE } from "../alerts/mutes.ts";
import { actorKey } from "../core/actor.ts";
import { answerFromView, defineCommand, type AckContext, type CommandDefinition } from "../core/command.ts";
import type { Message } from "../core/message.ts";
import { UserError } from "../errors.ts";
import { alertsListArgs, alertsMuteArgs, alertsUnmuteArgs } from "../jobs/alert-args.ts";

/**
 * A scope's role (a template's alerts need the role of its command: admin for the cleanup template), checked
 * here when the scope is typed (no backend call) and again by the worker against the grants in force.
 */
async function checkScope(ctx: AckContext<unknown>, scope: string, what: "mute" | "unmute"): Promise<Message> {
  const needed = MUTE_SCOPE.test(scope) ? ctx.deps.muteRole?.(scope) : undefined;
  if (needed && !ctx.deps.permissions.allows(ctx.actor, ctx.channel, needed)) {
    await ctx.deps.audit.record({ event: "refused", actor: actorKey(ctx.actor), command: `alerts ${what}`, detail: `${scope}: needs ${needed}` }).catch(() => {});
    throw new UserError("forbidden", `${what === "mute" ? "Muting" : "Unmuting"} the alerts of \`${scope}\` needs the ${needed} role (the role of the command whose alerts it covers), which you do not have here.`);
  }
  return ctx.enqueue();
}

const list = defineCommand({ name: "alerts list", description: "Muted alerts with their expiry, and the maintenance windows", requires: "viewer", args: alertsListArgs, job: "alerts.list",
  run: (ctx) => answerFromView(ctx, "alerts list") });
const mute = defineCommand({
  name: "alerts mute", description: "Silence alerts for an app, host or template during planned work", requires: "operator",
  args: alertsMuteArgs, positional: ["scope", "window"], rest: "window", job: "alerts.mute", mutating: true,
  run: (ctx) => checkScope(ctx, ctx.args.scope, "mute"),
});
const unmute = defineCommand({
  name: "alerts unmute", description: "End a mute early", requires: "operator", args: alertsUnmuteArgs, positional: ["mute"], job: "alerts.unmute", mutating: true,
  // By id, the scope is known only in Redis: the worker checks it.
  run: (ctx) => checkScope(ctx, ctx.args.mute, "unmute"),
});

/** /labops alerts list | mute <scope> for 2h | unmute <id> */
export const alertsCommands: readonly CommandDefinition[] = [list, mute, unmute] as CommandDefinition[];
