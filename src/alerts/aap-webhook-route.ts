import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { z } from "zod";
import { sendJson, type HttpServer } from "../http/http-server.ts";
import type { Logger } from "../logger.ts";
import { isAlertStatus } from "./aap-failure.ts";

/** Largest notification body accepted; AWX's job_metadata is a few KiB even with many hosts. */
export const MAX_WEBHOOK_BYTES = 64 * 1024;

const hostSummary = z.looseObject({ failed: z.boolean().optional(), failures: z.number().optional(), dark: z.number().optional() });
const optText = z.string().nullable().optional();

/**
 * AWX/AAP's webhook notification body (api-contracts §1.9): flat `job_metadata`, `extra_vars` a JSON
 * string, timestamps with `+00:00`. Loose: unknown keys pass, only what alerts use is checked.
 */
export const aapNotificationSchema = z.looseObject({
  id: z.number().int().positive(),
  name: z.string().min(1),
  status: z.string().min(1),
  url: optText,
  created_by: optText,
  started: optText,
  finished: optText,
  limit: optText,
  extra_vars: optText,
  playbook: optText,
  inventory: optText,
  project: optText,
  hosts: z.record(z.string(), hostSummary).optional(),
});
export type AapNotification = z.output<typeof aapNotificationSchema>;

export interface AapWebhookOptions {
  /** The shared secret (ALERT_WEBHOOK_TOKEN); undefined: every request is refused. */
  token?: string | undefined;
  log: Logger;
  /** Called after the 202 is sent, for a failed, error or canceled job. Must not throw. */
  onFailure: (n: AapNotification) => void;
}

/**
 * POST /hooks/aap: AAP's failure notification. AAP signs nothing and sends once, so the caller is
 * authenticated by a shared secret, as `Authorization: Bearer <token>` or HTTP Basic with the token as the
 * password (any user name), compared in constant time. 401 without it, 400 for a body that is not a
 * notification, 413 over 64 KiB; 202 as soon as the body is valid (lookups happen after the answer).
 */
export function addAapWebhookRoute(server: HttpServer, o: AapWebhookOptions): void {
  let warned = false;
  server.route("POST", "/hooks/aap", (req, res, body) => {
    if (!o.token) {
      if (!warned) o.log.warn("alert webhook refused: ALERT_WEBHOOK_TOKEN is not set, so POST /hooks/aap accepts nothing");
      warned = true;
      return sendJson(res, 401, { error: "unauthorized" });
    }
    if (!authorized(req, o.token)) {
      o.log.warn({ remote: req.socket.remoteAddress, scheme: scheme(req) }, "alert webhook refused: bad or missing secret");
      return sendJson(res, 401, { error: "unauthorized" }, { "www-authenticate": 'Basic realm="labops", Bearer realm="labops"' });
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString("utf8"));
    } catch {
      return sendJson(res, 400, { error: "body is not JSON" });
    }
    const parsed = aapNotificationSchema.safeParse(json);
    if (!parsed.success) {
      const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join(".") || "(body)"}: ${i.message}`);
      return sendJson(res, 400, { error: "not an AAP job notification", issues });
    }
    const n = parsed.data;
    if (!isAlertStatus(n.status)) return sendJson(res, 202, { accepted: false, reason: `status ${n.status} does not alert` });
    sendJson(res, 202, { accepted: true, job: n.id });
    o.log.info({ aapJob: n.id, status: n.status }, "aap failure notification received");
    o.onFailure(n);
  }, { maxBodyBytes: MAX_WEBHOOK_BYTES });
}

/** Bearer <token>, or Basic with the token as password; digests of equal length compared in constant time. */
function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? "";
  const m = /^(\w+)\s+(.+)$/.exec(header.trim());
  let candidate: string | undefined;
  if (m?.[1]?.toLowerCase() === "bearer") candidate = m[2];
  else if (m?.[1]?.toLowerCase() === "basic") {
    const decoded = Buffer.from(m[2]!, "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    candidate = colon < 0 ? undefined : decoded.slice(colon + 1);
  }
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  // Compare even when there is no candidate, so timing does not tell which part was wrong.
  const ok = timingSafeEqual(digest(candidate ?? ""), digest(token));
  return ok && candidate !== undefined;
}

function scheme(req: IncomingMessage): string {
  return (req.headers.authorization ?? "").split(" ")[0]?.slice(0, 10) || "none";
}
