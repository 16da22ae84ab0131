import { randomUUID } from "node:crypto";
import { actorKey } from "../../core/actor.ts";
import type { Message } from "../../core/message.ts";
import type { ProcessorContext } from "../processor.ts";

/** Confirm (bound to the asker, single-use, expiring) and Cancel buttons whose payload stays server-side. */
export async function confirmButtons(ctx: ProcessorContext<unknown>, kind: string, payload: Record<string, unknown>, ttlMs: number): Promise<Message["buttons"]> {
  const actor = ctx.payload.actor;
  const common = { boundTo: actorKey(actor), boundName: actor.name, requires: "admin" as const, singleUse: true, ttlMs };
  const confirmId = await ctx.deps.actions.create({ kind, payload: { ...payload, requestedBy: actorKey(actor), nonce: randomUUID() }, ...common });
  const cancelId = await ctx.deps.actions.create({ kind: "cancel", payload: { confirmId }, ...common });
  return [{ id: confirmId, label: "Confirm", style: "danger" }, { id: cancelId, label: "Cancel" }];
}
