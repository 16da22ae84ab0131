import type { FakeHttpServer, FakeRequest, FakeResponse } from "../fake-http.ts";
import { attachmentProblem, forClients, MAX_MESSAGE, postObject, type Obj } from "./store.ts";
import type { FakeMattermost } from "./fake-mattermost.ts";

/** Mattermost's error body: { id, message, detailed_error, request_id, status_code }. */
export function mmError(status: number, id: string, message: string): FakeResponse {
  return { status, body: { id, message, detailed_error: "", request_id: "fakerequestid", status_code: status } };
}

/**
 * The REST API v4 subset a bot account uses: GET /users/me, POST /posts, PUT /posts/{id}/patch, GET /posts/{id},
 * POST /posts/ephemeral; `Authorization: Bearer <token>` on each; rate limited per token when enabled
 * (X-RateLimit-Limit/Remaining/Reset on every answer, 429 past the limit).
 */
export function addRestRoutes(http: FakeHttpServer, mm: FakeMattermost): void {
  const authed = (handler: (req: FakeRequest, params: Record<string, string>, userId: string) => FakeResponse) =>
    (req: FakeRequest, params: Record<string, string>): FakeResponse => {
      const auth = String(req.headers.authorization ?? "");
      const user = auth.startsWith("Bearer ") ? mm.userOfToken(auth.slice(7)) : undefined;
      if (!user) return mmError(401, "api.context.session_expired.app_error", "Invalid or expired session, please login again.");
      const limited = mm.rateLimit(auth.slice(7));
      if (limited.refused) {
        mm.stats.rateLimited++;
        return { status: 429, text: "limit exceeded\n", headers: limited.headers };
      }
      const res = handler(req, params, user.id);
      return { ...res, headers: { ...limited.headers, ...res.headers } };
    };

  http.route("GET", "/api/v4/users/me", authed((_req, _p, userId) => ({ status: 200, body: { ...mm.userById(userId), roles: "system_user" } })));

  http.route("POST", "/api/v4/posts", authed((req, _p, userId) => {
    const b = (req.body ?? {}) as Obj;
    const bad = validatePost(mm, b, userId);
    if (bad) return bad;
    if (typeof b.root_id === "string" && b.root_id) {
      const root = mm.post(b.root_id);
      if (!root || root.post.channel_id !== b.channel_id) return mmError(400, "api.post.create_post.root_id.app_error", "Invalid RootId parameter.");
    }
    const post = mm.store(postObject({ channelId: String(b.channel_id), userId, message: String(b.message ?? ""), props: b.props as Obj | undefined, rootId: b.root_id as string | undefined }));
    return { status: 201, body: forClients(post) };
  }));

  http.route("GET", "/api/v4/posts/:id", authed((_req, p, userId) => {
    const s = mm.post(p.id!);
    if (!s || s.ephemeralFor || !mm.isMember(userId, String(s.post.channel_id))) return mmError(404, "app.post.get.app_error", "Unable to get the post.");
    return { status: 200, body: forClients(s.post) };
  }));

  http.route("PUT", "/api/v4/posts/:id/patch", authed((req, p, userId) => {
    const s = mm.post(p.id!);
    if (!s || s.ephemeralFor) return mmError(404, "app.post.get.app_error", "Unable to get the post.");
    // Editing someone else's post needs edit_others_posts, which a bot account does not have.
    if (s.post.user_id !== userId) return mmError(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
    const b = (req.body ?? {}) as Obj;
    if (b.message !== undefined && (typeof b.message !== "string" || [...b.message].length > MAX_MESSAGE)) return mmError(400, "model.post.is_valid.message_length.app_error", "Invalid Message property.");
    const problem = attachmentProblem(b.props);
    if (problem) return mmError(400, "model.post.is_valid.props.app_error", problem);
    const next = { ...s.post, update_at: Date.now(), edit_at: Date.now() } as Obj;
    if (typeof b.message === "string") next.message = b.message;
    if (b.props !== undefined) next.props = b.props;
    mm.replace(String(s.post.id), next);
    return { status: 200, body: forClients(next) };
  }));

  http.route("POST", "/api/v4/posts/ephemeral", authed((req, _p, userId) => {
    if (!mm.ephemeralAllowed) return mmError(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
    const b = (req.body ?? {}) as Obj;
    const post = (b.post ?? {}) as Obj;
    if (typeof b.user_id !== "string" || !mm.userById(b.user_id)) return mmError(400, "api.context.invalid_body_param.app_error", "Invalid or missing user_id in request body.");
    const bad = validatePost(mm, post, userId);
    if (bad) return bad;
    const stored = mm.store(postObject({ channelId: String(post.channel_id), userId, message: String(post.message ?? ""), props: post.props as Obj | undefined, type: "system_ephemeral" }), b.user_id);
    return { status: 201, body: forClients(stored) };
  }));
}

function validatePost(mm: FakeMattermost, b: Obj, userId: string): FakeResponse | undefined {
  if (typeof b.channel_id !== "string" || !mm.channelById(b.channel_id)) return mmError(400, "api.context.invalid_body_param.app_error", "Invalid or missing channel_id in request body.");
  if (!mm.isMember(userId, b.channel_id)) return mmError(403, "api.context.permissions.app_error", "You do not have the appropriate permissions.");
  if (typeof (b.message ?? "") !== "string" || [...String(b.message ?? "")].length > MAX_MESSAGE) return mmError(400, "model.post.is_valid.message_length.app_error", "Invalid Message property.");
  const problem = attachmentProblem(b.props);
  return problem ? mmError(400, "model.post.is_valid.props.app_error", problem) : undefined;
}
