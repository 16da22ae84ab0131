import type { SlackLimits } from "./limits.ts";

/** The public option and record types of the fake Slack (see fake-slack.ts), and its internal records. */

export interface FakeSlackUser {
  id: string;
  name: string;
}
export interface FakeSlackUserGroup {
  id: string;
  handle: string;
  name?: string | undefined;
  users: string[];
}

export interface FakeSlackOptions {
  teamId?: string | undefined;
  teamDomain?: string | undefined;
  appId?: string | undefined;
  botToken?: string | undefined;
  appToken?: string | undefined;
  signingSecret?: string | undefined;
  users?: FakeSlackUser[] | undefined;
  usergroups?: FakeSlackUserGroup[] | undefined;
  channels?: { id: string; name: string }[] | undefined;
  /** Slack's acknowledgement deadline for slash commands and interactions. Default 3000 ms. */
  ackDeadlineMs?: number | undefined;
  /** Rate limits; `timeScale` compresses every window for tests. */
  limits?: Partial<SlackLimits> | undefined;
  /** response_url: uses and lifetime (Slack: 5 uses within 30 minutes). */
  responseUrlUses?: number | undefined;
  responseUrlTtlMs?: number | undefined;
  /** Server pings on Socket Mode connections (Slack pings regularly). 0 = off. Default 5000 ms. */
  pingIntervalMs?: number | undefined;
  /**
   * The app's slash commands, as its manifest declares them (`/labops`, `/deploy`). When given, Slack
   * delivers only these to the app; a built-in (`/status`, `/remind`, ...) never reaches any app.
   */
  commands?: string[] | undefined;
}

/** Some of Slack's built-in commands: Slack answers them itself, whatever an app declares. */
export const SLACK_BUILT_IN_COMMANDS = ["/status", "/away", "/active", "/dnd", "/invite", "/leave", "/me", "/msg", "/dm", "/mute", "/remind", "/search", "/shrug", "/topic", "/who", "/feed", "/apps", "/open"];

/** One Web API call as the fake saw it (the token is never recorded). */
export interface SlackCall {
  method: string;
  at: number;
  status: number;
  ok: boolean;
  error?: string | undefined;
  args: Record<string, unknown>;
}

export interface StoredMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  threadTs?: string | undefined;
  deleted: boolean;
  /** Every state, first the post, then each edit, with when and how it arrived. */
  history: { at: number; text: string; blocks: unknown[]; via: string }[];
}

export interface EphemeralMessage {
  ts: string;
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  at: number;
  via: "ack" | "response_url" | "chat.postEphemeral";
  replaced: number;
}

export interface AckRecord {
  envelopeId: string;
  type: "slash_commands" | "interactive";
  latencyMs: number;
  payload: Record<string, unknown>;
}

export interface AckFailure {
  envelopeId: string;
  type: string;
  reason: "timeout" | "late" | "http_status";
  latencyMs: number;
  detail?: string | undefined;
}

/** An envelope sent over Socket Mode, waiting for its ack. */
export interface Pending {
  type: AckRecord["type"];
  sentAt: number;
  timer: NodeJS.Timeout;
  resolve: (r: AckRecord) => void;
  reject: (e: Error) => void;
  onPayload: (payload: Record<string, unknown>) => void;
}

/** A response_url handed out with a slash command or a click. */
export interface ResponseUrl {
  uses: number;
  createdAt: number;
  channel: string;
  user: string;
  original?: { kind: "channel"; ts: string } | { kind: "ephemeral"; ts: string } | undefined;
}

/** A Web API answer: status, JSON body, extra headers. */
export type ApiResult = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };
