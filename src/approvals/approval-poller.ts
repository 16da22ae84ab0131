import type { AapClient, WorkflowApproval } from "../clients/aap.ts";
import type { Config } from "../config.ts";
import type { ActionStore } from "../core/action-store.ts";
import type { ChannelRef, MessageRef } from "../core/actor.ts";
import type { LaunchRecords } from "../core/launch-records.ts";
import type { Notifier } from "../core/notifier.ts";
import { ApiError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { IntervalLoop } from "../interval-loop.ts";
import { approveButtons } from "./approval-actions.ts";
import { closeApproval } from "./approval-close.ts";
import { renderPending, shortVars, type ApprovalView } from "./approval-message.ts";
import { approvalPolicy, outcomeOf, workflowOf } from "./approval-policy.ts";
import type { ApprovalStore } from "./approval-store.ts";

export interface ApprovalPollerOptions {
  aap: AapClient;
  store: ApprovalStore;
  actions: ActionStore;
  notifier: Notifier;
  launches: LaunchRecords;
  config: Pick<Config, "approvals">;
  channels: ChannelRef[];
  log: Logger;
  intervalMs: number;
}

export interface ApprovalPollResult {
  ok: boolean;
  /** false when another process polled this interval. */
  polled: boolean;
  pending: number;
  posted: number;
  closed: number;
}

/**
 * Workflow approvals in chat. Every interval one process (a Redis tick shared by every worker) lists every
 * pending approval in one request (`workflow_approvals/?status=pending`), posts each one not posted yet
 * (claimed in Redis first, recorded with its message refs after: a restart or a second worker posts it
 * nothing more), and for approvals posted earlier that are no longer pending reads them in one more request
 * (`?id__in=`) and edits their messages to say how they ended (decided in AAP, timed out, canceled).
 */
export class ApprovalPoller {
  readonly #loop: IntervalLoop;

  constructor(private readonly o: ApprovalPollerOptions) {
    this.#loop = new IntervalLoop(() => this.pollOnce(), o.intervalMs);
  }

  start(): void {
    this.#loop.start();
  }

  stop(): Promise<void> {
    return this.#loop.stop();
  }

  /** One pass. Never throws: a failure is logged and the next interval tries again. */
  async pollOnce(opts: { force?: boolean | undefined } = {}): Promise<ApprovalPollResult> {
    const { store, log } = this.o;
    const result: ApprovalPollResult = { ok: true, polled: false, pending: 0, posted: 0, closed: 0 };
    try {
      if (!opts.force && !(await store.tick(this.o.intervalMs / 2))) return result;
      result.polled = true;
      const pending = await this.o.aap.listWorkflowApprovals({ status: "pending" });
      result.pending = pending.length;
      for (const a of pending) {
        if (await this.#post(a).catch((err: unknown) => {
          log.error({ approval: a.id, err: String(err) }, "approval message not posted; retried next poll");
          result.ok = false;
          return false;
        })) result.posted++;
      }
      const live = new Set(pending.map((a) => a.id));
      const ended = (await store.open()).filter((id) => !live.has(id));
      if (ended.length) {
        const rows = await this.o.aap.listWorkflowApprovals({ id__in: ended.join(",") });
        for (const id of ended) {
          const a = rows.find((r) => r.id === id);
          const o = a ? outcomeOf(a) : { outcome: "gone" as const, where: "aap" as const, at: Date.now() };
          if (!o) continue;
          if (await closeApproval({ store, notifier: this.o.notifier, log }, id, o)) result.closed++;
          else await store.forget(id);
        }
      }
      if (result.posted || result.closed) log.info({ pending: result.pending, posted: result.posted, closed: result.closed }, "approvals polled");
      return result;
    } catch (err) {
      const why = err instanceof ApiError ? { service: err.service, status: err.status, reason: err.reason } : { err: String(err) };
      log.warn(why, "approval poll failed; trying again next interval");
      return { ...result, ok: false };
    }
  }

  /** Posts one approval exactly once: true when this call posted it. */
  async #post(a: WorkflowApproval): Promise<boolean> {
    const { store } = this.o;
    if ((await store.claim(a.id)) !== "claimed") return false;
    try {
      const view = await this.#view(a);
      const ttlMs = view.expiresAt !== undefined ? Math.max(60_000, view.expiresAt - Date.now() + 3_600_000) : 7 * 86_400_000;
      const buttons = await approveButtons(this.o.actions, view, ttlMs);
      const msg = renderPending(view, buttons);
      const refs: MessageRef[] = [];
      for (const ch of this.o.channels) {
        const ref = await this.o.notifier.post(ch, msg, { key: `apr:${a.id}` }).catch((err: unknown) => {
          this.o.log.warn({ approval: a.id, platform: ch.platform, err: String(err) }, "approval message not posted to a channel");
          return undefined;
        });
        if (ref) refs.push(ref);
      }
      if (refs.length === 0) throw new Error(this.o.channels.length ? "no approval channel took the message" : "no approval channel is configured");
      await store.posted(a.id, { refs, view: view as unknown as Record<string, unknown> });
      this.o.log.info({ approval: a.id, workflow: view.workflow, workflowJob: view.workflowJob, channels: refs.length }, "approval posted");
      return true;
    } catch (err) {
      await store.release(a.id).catch(() => {});
      throw err;
    }
  }

  /** What the message says: read from the approval, its workflow job and nodes, and labops' launch record. */
  async #view(a: WorkflowApproval): Promise<ApprovalView> {
    const workflow = workflowOf(a);
    const wfJob = a.summary_fields.workflow_job?.id;
    const job = wfJob !== undefined ? await this.o.aap.getWorkflowJob(wfJob) : undefined;
    const nodes = wfJob !== undefined ? await this.o.aap.workflowJobNodes(wfJob) : [];
    const mine = nodes.find((n) => n.job === a.id);
    const next = (mine?.success_nodes ?? []).map((id) => nodes.find((n) => n.id === id)?.summary_fields.unified_job_template?.name).filter((x): x is string => !!x);
    const record = wfJob !== undefined ? await this.o.launches.get(wfJob) : undefined;
    const aapUser = job?.summary_fields?.created_by?.username;
    const policy = approvalPolicy(this.o.config, workflow);
    return {
      id: a.id, name: a.name, description: a.description ?? "", workflow, workflowJob: wfJob ?? 0,
      launchedBy: record?.requester ? `${record.requester} (via labops)` : aapUser ? `${aapUser} (in AAP)` : "someone in AAP",
      ...(record?.requesterKey && !this.o.config.approvals.selfApproval ? { launcherKey: record.requesterKey } : {}),
      next, vars: shortVars(job?.extra_vars), limit: job?.limit ?? "",
      ...(a.approval_expiration ? { expiresAt: Date.parse(a.approval_expiration) } : {}),
      role: policy.role, approvers: policy.approvers,
      ...(wfJob !== undefined ? { url: this.o.aap.workflowUrl(wfJob) } : {}),
    };
  }

}
