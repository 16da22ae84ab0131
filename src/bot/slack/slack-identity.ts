import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../logger.ts";
import { mapSlackError } from "./slack-notifier.ts";

export interface SlackUserGroupsOptions {
  client: WebClient;
  log: Logger;
  /** How often the cache is rebuilt in the background (usergroups.list is Tier 2: 20+/min). Default 5 min. */
  refreshMs?: number | undefined;
  /**
   * How long a membership read stays trusted. Past it, without a successful refresh, group grants give
   * nothing (fail closed) until Slack answers again. Default 10 min.
   */
  maxAgeMs?: number | undefined;
  /** After a failed refresh, the next try comes this soon (never later than `refreshMs`). Default 30 s. */
  retryMs?: number | undefined;
}

/**
 * Which Slack user groups each user is in, for role grants (`permissions.grants[].slackGroups`).
 * Kept in memory and refreshed in the background with `usergroups.list?include_users=true`, so the
 * acknowledgement path never makes a Web API call. A failed refresh keeps the last good map only until
 * it is `maxAgeMs` old: after that a user's groups read as none, and one warning says why.
 */
export class SlackUserGroups {
  #byUser = new Map<string, string[]>();
  #loadedAt: number | undefined;
  #expiredWarned = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;
  /** Completed refreshes, for tests and /status. */
  refreshes = 0;
  /** Failed refreshes since the last good one. */
  failures = 0;
  lastError: string | undefined;

  constructor(private readonly opts: SlackUserGroupsOptions) {}

  get maxAgeMs(): number {
    return this.opts.maxAgeMs ?? 600_000;
  }

  /** True while the last good membership read is younger than `maxAgeMs`. */
  get fresh(): boolean {
    return this.#loadedAt !== undefined && Date.now() - this.#loadedAt <= this.maxAgeMs;
  }

  /** The group ids of a user from the cache (never a network call); none once the cache has expired. */
  groupsOf(userId: string): string[] {
    if (!this.fresh) {
      this.#warnExpired();
      return [];
    }
    return this.#byUser.get(userId) ?? [];
  }

  /** usergroups.list (include_users): rebuilds the map. Idempotent; safe to call at any time. */
  async refresh(): Promise<boolean> {
    try {
      const res = await this.opts.client.usergroups.list({ include_users: true, include_disabled: false });
      const next = new Map<string, string[]>();
      for (const g of res.usergroups ?? []) {
        if (!g.id || (g.date_delete ?? 0) > 0) continue;
        for (const u of g.users ?? []) next.set(u, [...(next.get(u) ?? []), g.id]);
      }
      const recovered = this.#expiredWarned;
      this.#byUser = next;
      this.#loadedAt = Date.now();
      this.#expiredWarned = false;
      this.refreshes++;
      this.failures = 0;
      this.lastError = undefined;
      if (recovered) this.opts.log.info({ groups: res.usergroups?.length ?? 0 }, "slack user groups read again; group grants apply again");
      return true;
    } catch (err) {
      // Free workspaces have no user groups (`paid_teams_only`), and a missing scope must not stop the bot.
      this.lastError = mapSlackError("usergroups.list", err).message;
      this.failures++;
      const expiresInMs = this.#loadedAt === undefined ? 0 : Math.max(0, this.#loadedAt + this.maxAgeMs - Date.now());
      if (expiresInMs > 0) {
        // Warn on the first failure of a period; the retries that follow are debug lines.
        const level = this.failures === 1 ? "warn" : "debug";
        this.opts.log[level]({ err: this.lastError, expiresInMs, failures: this.failures }, "slack user groups refresh failed; the last membership read is trusted until it expires");
      } else {
        this.#warnExpired();
      }
      return false;
    }
  }

  /** First load (bounded by `waitMs`), then a background refresh every `refreshMs` (sooner after a failure). */
  async start(waitMs = 5_000): Promise<void> {
    this.#stopped = false;
    const first = this.refresh().then((ok) => this.#schedule(ok));
    await Promise.race([first, new Promise((r) => setTimeout(r, waitMs).unref())]);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(lastOk: boolean): void {
    if (this.#stopped) return;
    const every = this.opts.refreshMs ?? 300_000;
    const wait = lastOk ? every : Math.min(every, this.opts.retryMs ?? 30_000);
    this.#timer = setTimeout(() => void this.refresh().then((ok) => this.#schedule(ok)), wait);
    this.#timer.unref();
  }

  /** One warning per failure period: the next successful refresh re-arms it. */
  #warnExpired(): void {
    if (this.#expiredWarned) return;
    if (this.#loadedAt === undefined && this.failures === 0) return; // the first read is still under way
    this.#expiredWarned = true;
    const why = this.lastError ?? (this.#loadedAt === undefined ? "never read" : "not refreshed");
    const ageMs = this.#loadedAt === undefined ? undefined : Date.now() - this.#loadedAt;
    this.opts.log.warn(
      { err: why, ageMs, maxAgeMs: this.maxAgeMs, failures: this.failures },
      this.#loadedAt === undefined
        ? "slack user groups could not be read; grants by user group give nothing until they can"
        : "slack user groups could not be refreshed and the last read has expired; grants by user group give nothing until a refresh succeeds",
    );
  }
}
