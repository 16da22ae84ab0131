import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { FakeMattermost } from "./fake-mattermost.ts";
import { forClients, type Obj } from "./store.ts";

/**
 * For a person trying the fake without a Mattermost client (`npm run lab`): curl stands in for the chat window.
 *   POST /lab/type  {"user": "olga", "channel": "ops", "text": "/labops status"}
 *   POST /lab/click {"user": "olga", "post_id": "…", "button": "Confirm"}
 *   GET  /lab/posts?channel=ops&user=olga   (the channel's posts and olga's ephemeral ones, oldest first)
 */
export function addLabRoutes(mm: FakeMattermost): void {
  const body = (req: FakeRequest) => (req.body && typeof req.body === "object" ? (req.body as Obj) : {});
  const str = (v: unknown, fallback = "") => (typeof v === "string" && v ? v : fallback);
  mm.http.route("POST", "/lab/type", async (req): Promise<FakeResponse> => {
    const b = body(req);
    if (!mm.channels.has(str(b.channel, "ops"))) return { status: 404, body: { error: "no such channel" } };
    const r = await mm.type(mm.user(str(b.user, "olga")), str(b.channel, "ops"), str(b.text));
    return { status: 200, body: r };
  });
  mm.http.route("POST", "/lab/click", async (req): Promise<FakeResponse> => {
    const b = body(req);
    return { status: 200, body: await mm.click(mm.user(str(b.user, "olga")), str(b.post_id), str(b.button)) };
  });
  mm.http.route("GET", "/lab/posts", (req): FakeResponse => {
    const channel = mm.channels.get(req.query.get("channel") ?? "ops");
    if (!channel) return { status: 404, body: { error: "no such channel" } };
    const user = req.query.get("user") ? mm.user(req.query.get("user")!) : undefined;
    const seen = [...mm.posts(channel), ...(user ? mm.ephemerals(user.id).filter((p) => p.post.channel_id === channel) : [])]
      .sort((a, b) => Number(a.history[0]!.create_at) - Number(b.history[0]!.create_at))
      .map((p) => ({ ...forClients(p.post), ephemeral: Boolean(p.ephemeralFor), edits: p.history.length - 1 }));
    return { status: 200, body: seen };
  });
}
