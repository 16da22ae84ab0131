import { randomUUID } from "node:crypto";
import { actorKey } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import { confirmBinding, confirmWhoLine, needsSecondPerson } from "../../core/two-person.ts";
import type { ProcessorContext } from "../processor.ts";

/**
 * Confirm (bound to the asker, or under the two-person rule to anyone else with the role; single-use, expiring)
 * and Cancel buttons whose payload stays server-side, with the line that says who may confirm.
 */
export async function confirmButtons(ctx: ProcessorContext<unknown>, kind: string, payload: Record<string, unknown>, ttlMs: number, expires: string): Promise<{ buttons: Message["buttons"]; who: string }> {
  const actor = ctx.payload.actor;
  const second = needsSecondPerson(ctx.deps.config.twoPerson, ctx.payload.command);
  const common = { requires: "admin" as const, singleUse: true, ttlMs };
  const confirmId = await ctx.deps.actions.create({ kind, payload: { ...payload, requestedBy: actorKey(actor), requestedByName: actor.name, nonce: randomUUID() }, ...common, ...confirmBinding(second, actor) });
  const cancelId = await ctx.deps.actions.create({ kind: "cancel", payload: { confirmId }, ...common, ...(second ? {} : confirmBinding(false, actor)) });
  return { buttons: [{ id: confirmId, label: "Confirm", style: "danger" }, { id: cancelId, label: "Cancel" }], who: confirmWhoLine(second, actor, "admin", expires) };
}
