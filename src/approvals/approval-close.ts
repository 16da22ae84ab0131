import type { Notifier } from "../core/notifier.ts";
import type { Logger } from "../logger.ts";
import { renderClosed, type ApprovalOutcome, type ApprovalView } from "./approval-message.ts";
import type { ApprovalStore } from "./approval-store.ts";

/**
 * Edits every message posted for approval `id` to say how it ended (buttons removed) and marks it closed.
 * Returns the outcome already recorded when it was closed before (nothing is edited twice), else `o`.
 */
export async function closeApproval(d: { store: ApprovalStore; notifier: Notifier; log: Logger }, id: number, o: ApprovalOutcome): Promise<ApprovalOutcome | undefined> {
  const rec = await d.store.get(id);
  if (!rec) return undefined;
  if (rec.closed) return rec.closed;
  const msg = renderClosed(rec.view as unknown as ApprovalView, o);
  for (const ref of rec.refs) {
    await d.notifier.edit(ref, msg).catch((err: unknown) => d.log.warn({ approval: id, platform: ref.platform, err: String(err) }, "approval message not edited"));
  }
  await d.store.close(id, rec, { outcome: o.outcome, ...(o.by ? { by: o.by } : {}), where: o.where, at: o.at });
  return o;
}
