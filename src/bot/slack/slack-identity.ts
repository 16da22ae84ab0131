import type { webApi } from "@slack/bolt";
import type { Logger } from "../../logger.ts";
import { mapSlackError } from "./slack-notifier.ts";

export interface SlackUserGroupsOptions {
  client: webApi.WebClient;
  log: Logger;
  /** How often the cache is rebuilt in the background (usergroups.list is Tier 2: 20+/min). Default 5 min. */
  refreshMs?: number | undefined;
}

/**
 * Which Slack user groups each user is in, for role grants (`permissions.grants[].slackGroups`).
 * Kept in memory and refreshed in the background with `usergroups.list?include_users=true`, so the
 * acknowledgement path never makes a Web API call. A failed refresh keeps the last good map.
 */
export class SlackUserGroups {
  #byUser = new Map<string, string[]>();
  #timer: NodeJS.Timeout | undefined;
  /** Completed refreshes, for tests and /status. */
  refreshes = 0;
  lastError: string | undefined;

  constructor(private readonly opts: SlackUserGroupsOptions) {}

  /** The group ids of a user from the cache (never a network call). */
  groupsOf(userId: string): string[] {
    return this.#byUser.get(userId) ?? [];
  }

  /** usergroups.list (include_users): rebuilds the map. Idempotent; safe to call at any time. */
  async refresh(): Promise<void> {
    try {
      const res = await this.opts.client.usergroups.list({ include_users: true, include_disabled: false });
      const next = new Map<string, string[]>();
      for (const g of res.usergroups ?? []) {
        if (!g.id || (g.date_delete ?? 0) > 0) continue;
        for (const u of g.users ?? []) next.set(u, [...(next.get(u) ?? []), g.id]);
      }
      this.#byUser = next;
      this.refreshes++;
      this.lastError = undefined;
    } catch (err) {
      // Free workspaces have no user groups (`paid_teams_only`), and a missing scope must not stop the bot.
      this.lastError = mapSlackError("usergroups.list", err).message;
      this.opts.log.warn({ err: this.lastError }, "slack user groups refresh failed; keeping the previous map");
    }
  }

  /** First load (bounded by `waitMs`), then a background refresh every `refreshMs`. */
  async start(waitMs = 5_000): Promise<void> {
    const first = this.refresh();
    await Promise.race([first, new Promise((r) => setTimeout(r, waitMs).unref())]);
    this.#timer = setInterval(() => void this.refresh(), this.opts.refreshMs ?? 300_000);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
