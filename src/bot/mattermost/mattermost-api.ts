import { ApiError } from "../../errors.ts";
import { RateLimitedError } from "../throttled-notifier.ts";
import type { MattermostPostBody } from "./mattermost-render.ts";

/** A post as the REST API answers (the fields labops reads). */
export interface MattermostPost {
  id: string;
  channel_id: string;
  root_id?: string | undefined;
  message: string;
}

export interface MattermostApiOptions {
  /** The server's base URL (https://chat.example.com); the API lives under /api/v4. */
  url: string;
  botToken: string;
  /** Per-request timeout in ms (default 5000). */
  timeoutMs?: number | undefined;
}

/**
 * The bot account's REST API v4 calls, as plain HTTP with `Authorization: Bearer <bot token>`. A 429 (the
 * server's rate limiting, with X-RateLimit-* headers) becomes a RateLimitedError carrying the wait the server
 * asked for; anything else that is not 2xx becomes an ApiError("mattermost") with the server's error id.
 */
export class MattermostApi {
  readonly #base: string;
  readonly #origin: string;

  constructor(private readonly opts: MattermostApiOptions) {
    this.#base = `${opts.url.replace(/\/+$/, "")}/api/v4`;
    this.#origin = new URL(opts.url).origin;
  }

  /** The server's origin: a response_url labops is handed must point here. */
  get origin(): string {
    return this.#origin;
  }

  /** GET /users/me: the bot's own user (checks the token at start). */
  me(): Promise<{ id: string; username: string; is_bot?: boolean | undefined }> {
    return this.#call("GET", "/users/me") as Promise<{ id: string; username: string }>;
  }

  /** POST /posts: a new post by the bot in a channel (or a thread, with `rootId`). Not idempotent. */
  createPost(channelId: string, body: MattermostPostBody, rootId?: string): Promise<MattermostPost> {
    return this.#call("POST", "/posts", { channel_id: channelId, ...(rootId ? { root_id: rootId } : {}), ...body }) as Promise<MattermostPost>;
  }

  /** PUT /posts/{id}/patch: replaces the message and props of one of the bot's posts. Idempotent. */
  async patchPost(postId: string, body: MattermostPostBody): Promise<void> {
    if (!/^[a-z0-9]{26}$/.test(postId)) throw new ApiError("mattermost", undefined, "PUT", "/posts/{id}/patch", "not a Mattermost post id");
    await this.#call("PUT", `/posts/${postId}/patch`, body, "/posts/{id}/patch");
  }

  /** POST /posts/ephemeral: a post only `userId` sees (needs the create_post_ephemeral permission). */
  async createEphemeralPost(userId: string, channelId: string, body: MattermostPostBody): Promise<void> {
    await this.#call("POST", "/posts/ephemeral", { user_id: userId, post: { channel_id: channelId, ...body } });
  }

  /**
   * POSTs a command response to a slash command's `response_url` (a late answer). The URL came in a request, so it
   * is used only when it points at this Mattermost server's /hooks/commands/.
   */
  async respond(responseUrl: string, body: Record<string, unknown>): Promise<void> {
    let u: URL;
    try {
      u = new URL(responseUrl);
    } catch {
      throw new ApiError("mattermost", undefined, "POST", "response_url", "not a URL");
    }
    if (u.origin !== this.#origin || !u.pathname.startsWith("/hooks/commands/")) throw new ApiError("mattermost", undefined, "POST", "response_url", "not this Mattermost server's command hook");
    await this.#send("POST", u.href, "/hooks/commands/{id}", body, false);
  }

  #call(method: string, path: string, body?: unknown, shown = path): Promise<unknown> {
    return this.#send(method, `${this.#base}${path}`, shown, body, true);
  }

  async #send(method: string, url: string, shown: string, body: unknown, auth: boolean): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { ...(auth ? { authorization: `Bearer ${this.opts.botToken}` } : {}), ...(body === undefined ? {} : { "content-type": "application/json" }), accept: "application/json" },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.opts.timeoutMs ?? 5_000),
        redirect: "error",
      });
    } catch (err) {
      throw new ApiError("mattermost", undefined, method, shown, err instanceof Error ? err.name === "TimeoutError" ? "timed out" : err.message : String(err));
    }
    const text = await res.text();
    if (res.status === 429) throw new RateLimitedError(retryAfterMs(res.headers));
    if (!res.ok) {
      let detail = `HTTP ${res.status}`;
      try {
        const e = JSON.parse(text) as { id?: string; message?: string };
        if (e.id || e.message) detail = `${e.id ?? "error"}: ${e.message ?? ""}`.slice(0, 300);
      } catch { /* not JSON */ }
      throw new ApiError("mattermost", res.status, method, shown, detail);
    }
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ApiError("mattermost", res.status, method, shown, "answer is not JSON");
    }
  }
}

/** The wait a 429 asks for: Retry-After, else X-RateLimit-Reset (both in seconds); at least 250 ms, at most a minute. */
export function retryAfterMs(headers: Headers): number {
  const secs = Number(headers.get("retry-after") ?? headers.get("x-ratelimit-reset") ?? 1);
  return Math.min(60_000, Math.max(250, Number.isFinite(secs) ? Math.ceil(secs * 1000) : 1_000));
}
