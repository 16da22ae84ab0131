import { randomBytes } from "node:crypto";

export type Obj = Record<string, unknown>;

/** A Mattermost id: 26 lowercase base-32 characters, as the server's NewId makes them. */
export function newId(): string {
  const alphabet = "ybndrfg8ejkmcpqxot1uwisza345h769";
  return [...randomBytes(26)].map((b) => alphabet[b % 32]).join("");
}

export interface FakeMattermostUser {
  id: string;
  username: string;
  is_bot?: boolean | undefined;
}

/** A stored post with every state it had, and (for ephemeral posts) the one user who sees it. */
export interface StoredPost {
  post: Obj;
  history: Obj[];
  ephemeralFor?: string | undefined;
}

/** Mattermost's limit on a post's message (server 5.0+), in characters. */
export const MAX_MESSAGE = 16_383;

export function postObject(o: { channelId: string; userId: string; message: string; props?: Obj | undefined; rootId?: string | undefined; type?: string | undefined }): Obj {
  const now = Date.now();
  return {
    id: newId(), create_at: now, update_at: now, edit_at: 0, delete_at: 0, is_pinned: false, user_id: o.userId, channel_id: o.channelId,
    root_id: o.rootId ?? "", original_id: "", message: o.message, type: o.type ?? "", props: o.props ?? {}, hashtags: "", pending_post_id: "",
    reply_count: 0, metadata: {},
  };
}

/**
 * What a client is sent of a post: `integration` (url and context) is removed from every attachment action,
 * as the real server's StripActionIntegrations does, so only the server and the integration know a button's context.
 */
export function forClients(post: Obj): Obj {
  const props = (post.props ?? {}) as Obj;
  const attachments = Array.isArray(props.attachments) ? (props.attachments as Obj[]) : undefined;
  if (!attachments) return structuredClone(post);
  return {
    ...structuredClone(post),
    props: {
      ...structuredClone(props),
      attachments: attachments.map((a) => ({
        ...structuredClone(a),
        ...(Array.isArray(a.actions) ? { actions: (a.actions as Obj[]).map(({ integration: _hidden, ...rest }) => structuredClone(rest)) } : {}),
      })),
    },
  };
}

/**
 * Checks attachments as the server does when a post is saved: actions need a name, an id of letters and digits
 * (the click route is /posts/{post_id}/actions/{action_id}), and an integration URL that is http(s).
 */
export function attachmentProblem(props: unknown): string | undefined {
  if (props === undefined) return undefined;
  if (!props || typeof props !== "object" || Array.isArray(props)) return "props must be an object";
  const attachments = (props as Obj).attachments;
  if (attachments === undefined) return undefined;
  if (!Array.isArray(attachments)) return "props.attachments must be an array";
  for (const a of attachments as Obj[]) {
    if (!a || typeof a !== "object") return "an attachment must be an object";
    for (const act of (Array.isArray(a.actions) ? a.actions : []) as Obj[]) {
      if (typeof act.name !== "string" || !act.name) return "an action needs a name";
      if (typeof act.id !== "string" || !/^[A-Za-z0-9]+$/.test(act.id)) return "an action id must be letters and digits";
      const integration = act.integration as Obj | undefined;
      if (!integration || typeof integration.url !== "string" || !/^https?:\/\//.test(integration.url)) return "an action needs an http(s) integration url";
    }
  }
  return undefined;
}
