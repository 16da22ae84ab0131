import type { ActionStore } from "../core/action-store.ts";
import type { ChannelRef, MessageRef, Role } from "../core/actor.ts";
import { renderText, type Button, type Message } from "../core/message.ts";
import type { Notifier } from "../core/notifier.ts";
import type { Logger } from "../logger.ts";
import { renderGroup, type AlertItem } from "./alert-message.ts";
import type { AlertGroup, AlertStore } from "./alert-store.ts";

/** A button to create for an alert: its server-side action (see ActionStore) and its label. */
export interface ButtonSpec {
  kind: string;
  label: string;
  style?: "primary" | "danger" | undefined;
  payload: Record<string, unknown>;
  requires: Role;
  singleUse: boolean;
  ttlMs: number;
}

/** posted: a new message; grouped: an open group message was edited; muted: suppressed; done/in-flight: a duplicate. */
export type AlertOutcome = "posted" | "grouped" | "muted" | "done" | "in-flight";

export interface AlertServiceOptions {
  log: Logger;
  notifier: Notifier;
  actions: ActionStore;
  store: AlertStore;
  channels: readonly ChannelRef[];
  /** Failures of the same group within this window (from the first) edit one message; 0 turns grouping off. */
  groupWindowMs: number;
  /** Pauses between tries of a post or edit. */
  retryDelaysMs?: readonly number[] | undefined;
}

/**
 * Creates, dedupes, mutes, groups and posts alerts. One alert per failure key (a Redis claim shared by every
 * path that can report it); one message per group and channel within the window, edited with a count.
 * Delivery to a group is serialized in this process, so two failures of one template cannot both open a group.
 */
export class AlertService {
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(private readonly o: AlertServiceOptions) {}

  /**
   * Alerts `key` once. `prepare` (the upstream lookups) runs only when this call wins the claim. When the
   * delivery fails the claim is given back (and the error rethrown), so another path or the next poll retries.
   */
  async raise(key: string, prepare: () => Promise<{ item: AlertItem; buttons: ButtonSpec[] }>): Promise<AlertOutcome> {
    const claim = await this.o.store.claim(key);
    if (claim !== "claimed") return claim;
    try {
      const { item, buttons } = await prepare();
      const outcome = await this.#serial(item.card ?? item.group, () => this.#deliver(item, buttons));
      await this.o.store.done(key);
      return outcome;
    } catch (err) {
      await this.o.store.release(key).catch(() => {});
      throw err;
    }
  }

  async #deliver(item: AlertItem, specs: ButtonSpec[]): Promise<AlertOutcome> {
    const { store, log } = this.o;
    const mute = await store.mutedFor(item.group, item.scopes, item.requires);
    if (mute) {
      await store.addSuppressed(item.group, item.summary);
      log.info({ alert: item.key, group: item.group, scope: mute.scope, mutedBy: mute.by, until: new Date(mute.until).toISOString() }, "alert muted");
      return "muted";
    }
    const suppressed = await store.suppressed(item.group);
    const buttons: Button[] = await Promise.all(
      specs.map(async ({ label, style, ...rec }) => ({ id: await this.o.actions.create(rec), label, ...(style ? { style } : {}) })),
    );
    // One card per template (or command) and app or host: another app's failure opens its own.
    const card = item.card ?? item.group;
    const existing = this.o.groupWindowMs > 0 ? await store.group(card) : undefined;
    const group: AlertGroup = existing
      ? { ...existing, items: [...existing.items, { id: item.shortId, summary: item.summary }] }
      : { openedAt: Date.now(), refs: [], items: [{ id: item.shortId, summary: item.summary }] };
    const msg = renderGroup(item, group, this.o.groupWindowMs, buttons, suppressed);
    group.refs = existing ? await this.#editAll(existing.refs, msg) : await this.#postAll(msg);
    if (this.o.groupWindowMs > 0) await store.saveGroup(card, group, this.o.groupWindowMs);
    if (suppressed.length) await store.clearSuppressed(item.group);
    log.info({ alert: item.key, group: item.group, card, count: group.items.length, channels: group.refs.length }, existing ? "alert grouped" : "alert posted");
    return existing ? "grouped" : "posted";
  }

  async #postAll(msg: Message): Promise<MessageRef[]> {
    if (this.o.channels.length === 0) {
      this.o.log.warn({ alert: renderText(msg) }, "no alert channel is configured; the alert is only logged");
      return [];
    }
    const refs: MessageRef[] = [];
    for (const ch of this.o.channels) {
      const ref = await this.#try(() => this.o.notifier.post(ch, msg), ch);
      if (ref) refs.push(ref);
    }
    if (refs.length === 0) throw new Error("the alert could not be posted to any alert channel");
    return refs;
  }

  /** Edits each channel's group message; where an edit fails for good, posts a new one there instead. */
  async #editAll(existing: MessageRef[], msg: Message): Promise<MessageRef[]> {
    if (existing.length === 0) return this.#postAll(msg);
    const refs: MessageRef[] = [];
    for (const ref of existing) {
      const edited = await this.#try(() => this.o.notifier.edit(ref, msg).then(() => ref), ref);
      const { messageId: _, ...channel } = ref;
      const out = edited ?? (await this.#try(() => this.o.notifier.post(channel, msg), channel));
      if (out) refs.push(out);
    }
    if (refs.length === 0) throw new Error("the alert could not be delivered to any alert channel");
    return refs;
  }

  async #try<T>(fn: () => Promise<T>, where: ChannelRef): Promise<T | undefined> {
    const delays = this.o.retryDelaysMs ?? [250, 1_000];
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn();
      } catch (err) {
        if (attempt >= delays.length) {
          this.o.log.error({ err: String(err), platform: where.platform, channel: where.channel }, "alert delivery failed");
          return undefined;
        }
        await new Promise((r) => setTimeout(r, delays[attempt]));
      }
    }
  }

  #serial<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#chains.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => {});
    this.#chains.set(key, tail);
    void tail.then(() => {
      if (this.#chains.get(key) === tail) this.#chains.delete(key);
    });
    return run;
  }
}
