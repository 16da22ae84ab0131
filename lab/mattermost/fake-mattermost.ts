import { randomBytes } from "node:crypto";
import { FakeHttpServer, type FakeRequest } from "../fake-http.ts";
import { addLabRoutes } from "./lab-routes.ts";
import { addRestRoutes, mmError } from "./rest.ts";
import { forClients, newId, postObject, type FakeMattermostUser, type Obj, type StoredPost } from "./store.ts";

export type { FakeMattermostUser, Obj };

export interface FakeMattermostOptions {
  /** Channels of the one team (default `ops` and `town-square`); every person is a member of all of them. */
  channels?: string[] | undefined;
  /** The channels the bot was added to (default all): posting elsewhere is refused with 403, as on the server. */
  botChannels?: string[] | undefined;
  team?: string | undefined;
  /** Custom slash commands by trigger word (default `labops`), each with its own token, all posting to labops. */
  commands?: string[] | undefined;
  /** Rate limiting (off by default, as on a fresh server): `perSec` requests per second with bursts of `burst`, per token. */
  rateLimit?: { perSec: number; burst: number } | undefined;
  /** Whether the bot holds create_post_ephemeral (POST /posts/ephemeral). Default true. */
  ephemeralAllowed?: boolean | undefined;
  /** Mattermost's integration timeout (OutgoingIntegrationRequestsTimeout, default 30 s). */
  integrationTimeoutMs?: number | undefined;
}

/** What a typed slash command or a click led to, as the person would see it. */
export interface IntegrationResult {
  /** The integration's HTTP status (0: no answer in time). */
  status: number;
  latencyMs: number;
  /** The integration's JSON answer. */
  answer?: Obj | undefined;
  /** The post the answer made (in the channel or ephemeral) or, for a click, the clicked post after its update. */
  post?: Obj | undefined;
  /** The ephemeral post made from a click's `ephemeral_text`. */
  ephemeral?: Obj | undefined;
  /** What the person sees when the integration failed ("Command with a trigger of … failed"). */
  error?: string | undefined;
}

interface CommandHook {
  trigger: string;
  userId: string;
  channelId: string;
  uses: number;
  expiresAt: number;
}

/**
 * A wire-faithful fake of a Mattermost server for one bot account: the REST API v4 subset labops uses (rest.ts),
 * custom slash commands (the fake POSTs the form with the command's token to labops, like the server), their
 * response_url hooks (5 uses, 30 min), and interactive buttons (a click POSTs the stored action's context, which
 * clients never see, to its integration URL; the answer's `update` and `ephemeral_text` are applied).
 */
export class FakeMattermost {
  readonly http = new FakeHttpServer("mattermost");
  readonly bot: FakeMattermostUser;
  readonly botToken = newId();
  readonly teamId = newId();
  readonly teamName: string;
  /** Channel ids by name. */
  readonly channels = new Map<string, string>();
  /** Each slash command's token by trigger word. */
  readonly commandTokens = new Map<string, string>();
  /** Where the slash commands and (by default) nothing else post: labops' base URL, set once labops listens. */
  labopsUrl = "";
  ephemeralAllowed: boolean;
  readonly stats = { rateLimited: 0, commands: 0, clicks: 0 };
  readonly #users = new Map<string, FakeMattermostUser>();
  readonly #tokens = new Map<string, string>();
  readonly #posts = new Map<string, StoredPost>();
  readonly #hooks = new Map<string, CommandHook>();
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  readonly #botIn = new Set<string>();
  readonly #opts: FakeMattermostOptions;
  #base = "";

  constructor(opts: FakeMattermostOptions = {}) {
    this.#opts = opts;
    this.teamName = opts.team ?? "homelab";
    this.ephemeralAllowed = opts.ephemeralAllowed ?? true;
    this.bot = { id: newId(), username: "labops", is_bot: true };
    this.#users.set(this.bot.username, this.bot);
    this.#tokens.set(this.botToken, this.bot.id);
    for (const name of opts.channels ?? ["ops", "town-square"]) this.channels.set(name, newId());
    for (const name of opts.botChannels ?? this.channels.keys()) this.#botIn.add(this.channel(name));
    for (const trigger of opts.commands ?? ["labops"]) this.commandTokens.set(trigger, newId());
    addRestRoutes(this.http, this);
    this.http.route("POST", "/hooks/commands/:id", (req, p) => this.#commandHook(req, p.id!));
    addLabRoutes(this);
  }

  async start(): Promise<string> {
    this.#base = await this.http.listen();
    return this.#base;
  }

  async close(): Promise<void> {
    await this.http.close();
  }

  get url(): string {
    return this.#base;
  }

  /** The environment that points labops at this fake (MATTERMOST_LABOPS_URL is labops' own address, set by the caller). */
  get env(): Record<string, string> {
    return {
      MATTERMOST_URL: this.#base,
      MATTERMOST_BOT_TOKEN: this.botToken,
      MATTERMOST_COMMAND_TOKENS: [...this.commandTokens].map(([t, tok]) => `${t}=${tok}`).join(","),
    };
  }

  channel(name = "ops"): string {
    const id = this.channels.get(name);
    if (!id) throw new Error(`no channel ${name} in the fake team`);
    return id;
  }

  /** A team member (made on first use). */
  user(username: string): FakeMattermostUser {
    let u = this.#users.get(username);
    if (!u) this.#users.set(username, (u = { id: newId(), username }));
    return u;
  }

  /** Posts of a channel that everyone sees, oldest first, as stored (with integrations). */
  posts(channelId: string): StoredPost[] {
    return [...this.#posts.values()].filter((p) => !p.ephemeralFor && p.post.channel_id === channelId);
  }

  /** Ephemeral posts one user was shown, oldest first. */
  ephemerals(userId: string): StoredPost[] {
    return [...this.#posts.values()].filter((p) => p.ephemeralFor === userId);
  }

  /**
   * A user types a slash command (`/deploy grafana`) in a channel: the fake POSTs the command form to labops with the
   * command's token (or `token`, to play a forger) and makes the post the answer asks for.
   */
  async type(user: FakeMattermostUser, channelName: string, line: string, opts: { token?: string | undefined; trigger?: string | undefined } = {}): Promise<IntegrationResult> {
    const [head = "", ...rest] = line.trim().split(" ");
    const trigger = head.replace(/^\//, "");
    const token = opts.token ?? this.commandTokens.get(trigger);
    if (token === undefined) return { status: 0, latencyMs: 0, error: `Command with a trigger of '/${trigger}' not found.` };
    this.stats.commands++;
    const channelId = this.channel(channelName);
    const hookId = newId();
    this.#hooks.set(hookId, { trigger, userId: user.id, channelId, uses: 0, expiresAt: Date.now() + 30 * 60_000 });
    const form = new URLSearchParams({
      channel_id: channelId, channel_name: channelName, command: `/${trigger}`, response_url: `${this.#base}/hooks/commands/${hookId}`,
      team_domain: this.teamName, team_id: this.teamId, text: rest.join(" "), token, trigger_id: randomBytes(32).toString("base64url"),
      user_id: user.id, user_name: user.username,
    });
    const r = await this.#integration(`${this.labopsUrl}/mattermost/command`, "application/x-www-form-urlencoded", form.toString());
    if (r.status !== 200 || !r.answer) return { ...r, error: `Command with a trigger of '/${trigger}' failed (${r.status}).` };
    return { ...r, post: this.#commandPost(r.answer, user.id, channelId) };
  }

  /** A user clicks button `actionId` (or the button labelled so) on a post they can see. */
  async click(user: FakeMattermostUser, postId: string, button: string): Promise<IntegrationResult> {
    const stored = this.#posts.get(postId);
    if (!stored || (stored.ephemeralFor && stored.ephemeralFor !== user.id)) return { status: 0, latencyMs: 0, error: "Unable to get the post." };
    const actions = ((stored.post.props as Obj | undefined)?.attachments as Obj[] | undefined ?? []).flatMap((a) => (a.actions as Obj[] | undefined) ?? []);
    const action = actions.find((a) => a.id === button || a.name === button);
    if (!action) return { status: 0, latencyMs: 0, error: "Unable to find the action." };
    this.stats.clicks++;
    const integration = action.integration as { url: string; context?: unknown };
    const channelId = String(stored.post.channel_id);
    const body = {
      user_id: user.id, user_name: user.username, channel_id: channelId, channel_name: this.#channelName(channelId), team_id: this.teamId, team_domain: this.teamName,
      post_id: postId, trigger_id: randomBytes(32).toString("base64url"), type: "button", data_source: "", context: integration.context ?? {},
    };
    const r = await this.#integration(integration.url, "application/json", JSON.stringify(body));
    if (r.status !== 200 || !r.answer) {
      const custom = ((r.answer?.error as Obj | undefined)?.message as string | undefined);
      return { ...r, error: custom ?? "Action failed to execute." };
    }
    const update = r.answer.update as Obj | undefined;
    if (update) {
      const next = { ...stored.post, message: String(update.message ?? ""), props: { ...retained(stored.post), ...((update.props as Obj | undefined) ?? {}) }, update_at: Date.now(), edit_at: Date.now() };
      this.replace(postId, next);
    }
    let ephemeral: Obj | undefined;
    if (typeof r.answer.ephemeral_text === "string" && r.answer.ephemeral_text) {
      ephemeral = this.store(postObject({ channelId, userId: user.id, message: r.answer.ephemeral_text, rootId: String(stored.post.root_id || "") || undefined, type: "system_ephemeral" }), user.id);
    }
    return { ...r, post: forClients(this.#posts.get(postId)!.post), ephemeral };
  }

  // ---- used by the REST routes ----

  userOfToken(token: string): FakeMattermostUser | undefined {
    const id = this.#tokens.get(token);
    return id ? this.userById(id) : undefined;
  }

  userById(id: string): FakeMattermostUser | undefined {
    return [...this.#users.values()].find((u) => u.id === id);
  }

  channelById(id: string): string | undefined {
    return this.#channelName(id);
  }

  isMember(userId: string, channelId: string): boolean {
    if (this.channelById(channelId) === undefined) return false;
    return userId !== this.bot.id || this.#botIn.has(channelId);
  }

  post(id: string): StoredPost | undefined {
    return this.#posts.get(id);
  }

  store(post: Obj, ephemeralFor?: string): Obj {
    this.#posts.set(String(post.id), { post, history: [post], ephemeralFor });
    return post;
  }

  replace(id: string, post: Obj): void {
    const s = this.#posts.get(id)!;
    s.post = post;
    s.history.push(post);
  }

  /** Token bucket per token, as the server's throttled limiter: answers the X-RateLimit-* headers and whether to refuse. */
  rateLimit(token: string): { refused: boolean; headers: Record<string, string> } {
    const rl = this.#opts.rateLimit;
    if (!rl) return { refused: false, headers: {} };
    const now = Date.now();
    const b = this.#buckets.get(token) ?? { tokens: rl.burst, at: now };
    b.tokens = Math.min(rl.burst, b.tokens + ((now - b.at) / 1000) * rl.perSec);
    b.at = now;
    this.#buckets.set(token, b);
    const refused = b.tokens < 1;
    if (!refused) b.tokens -= 1;
    const reset = Math.max(1, Math.ceil((1 - Math.min(1, b.tokens)) / rl.perSec));
    const headers = { "X-RateLimit-Limit": String(rl.burst), "X-RateLimit-Remaining": String(Math.floor(b.tokens)), "X-RateLimit-Reset": String(reset) };
    return { refused, headers: refused ? { ...headers, "Retry-After": String(reset) } : headers };
  }

  #channelName(id: string): string | undefined {
    return [...this.channels].find(([, cid]) => cid === id)?.[0];
  }

  /** A slash command's answer becomes a post: in the channel (as the person, marked from_webhook) or ephemeral. */
  #commandPost(answer: Obj, userId: string, channelId: string): Obj | undefined {
    const text = typeof answer.text === "string" ? answer.text : "";
    const attachments = Array.isArray(answer.attachments) ? answer.attachments : ((answer.props as Obj | undefined)?.attachments as unknown[] | undefined);
    if (!text && !attachments?.length) return undefined;
    const props: Obj = { ...(attachments?.length ? { attachments } : {}) };
    if (answer.response_type === "in_channel") {
      return forClients(this.store(postObject({ channelId, userId, message: text, props: { ...props, from_webhook: "true" } })));
    }
    return forClients(this.store(postObject({ channelId, userId, message: text, props, type: "system_ephemeral" }), userId));
  }

  /** A response_url: up to 5 answers within 30 min of the command, each like a command response. */
  #commandHook(req: FakeRequest, id: string) {
    const hook = this.#hooks.get(id);
    if (!hook || hook.expiresAt < Date.now() || hook.uses >= 5) return mmError(400, "web.command_webhook.invalid.app_error", "Invalid webhook.");
    hook.uses++;
    const answer = (req.body && typeof req.body === "object" ? req.body : {}) as Obj;
    this.#commandPost(answer, hook.userId, hook.channelId);
    return { status: 200, text: "ok" };
  }

  async #integration(url: string, contentType: string, body: string): Promise<Omit<IntegrationResult, "post">> {
    const t0 = performance.now();
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": contentType, accept: "application/json" }, body, signal: AbortSignal.timeout(this.#opts.integrationTimeoutMs ?? 30_000) });
      const text = await res.text();
      let answer: Obj | undefined;
      if ((res.headers.get("content-type") ?? "").includes("application/json")) {
        try {
          answer = JSON.parse(text) as Obj;
        } catch { /* a broken answer is shown as a failure */ }
      }
      return { status: res.status, latencyMs: performance.now() - t0, answer };
    } catch {
      return { status: 0, latencyMs: performance.now() - t0 };
    }
  }
}

/** Props the server keeps on an updated integration post whatever the update says. */
function retained(post: Obj): Obj {
  const props = (post.props ?? {}) as Obj;
  return props.from_webhook ? { from_webhook: props.from_webhook } : {};
}
