import { z } from "zod";
import { MUTE_SCOPE } from "../alerts/mutes.ts";

const MAX_MS = 7 * 86_400_000;

/** `for 2h`, `90m`, `1.5h`, `2d`: at least a minute, at most 7 days. */
/** As typed (`for 2h`), or in ms once parsed: the worker validates again what the ack path parsed. */
const windowArg = z.union([z.string().max(40), z.number()]).transform((v, ctx) => {
  const m = typeof v === "string" ? /^(?:for\s+)?(\d+(?:\.\d+)?)\s*(m|min|h|d)$/i.exec(v.trim()) : null;
  const ms = typeof v === "number" ? v : m ? Math.round(Number(m[1]) * { m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 }[m[2]!.toLowerCase() as "m"]) : NaN;
  if (!(ms >= 60_000 && ms <= MAX_MS)) {
    ctx.addIssue({ code: "custom", message: "say how long, from 1m to 7d, e.g. `for 2h`" });
    return z.NEVER;
  }
  return ms;
});

/** `/alerts list`, `/alerts mute <scope> for <window>`, `/alerts unmute <mute>` and their jobs. */
export const alertsListArgs = z.object({});
export const alertsMuteArgs = z.object({
  scope: z.string().regex(MUTE_SCOPE, "app:<name>, host:<name> or template:<name>").describe("What to mute: app:<name>, host:<name> or template:<name>"),
  window: windowArg.describe("How long, e.g. for 2h"),
});
export const alertsUnmuteArgs = z.object({ mute: z.string().min(2).max(120).describe("Mute id from /labops alerts list (or its scope)") });

/** The AAP job an alert button is about. */
const aapJobArgs = z.object({ aapJob: z.number().int().positive(), template: z.string().optional() });
/** `aap.relaunch` ("Relaunch failed hosts"). `command`: the command that launched the original job (its launch record must agree). */
export const relaunchArgs = aapJobArgs.extend({ command: z.string().optional() });
/** `aap.show-log` ("Show log"). */
export const showLogArgs = aapJobArgs.extend({ lines: z.number().int().min(1).max(500).default(60) });
/** `alert.mute` ("Mute 1h"): a template's or a command's alerts, for a while. */
export const alertMuteArgs = z.object({ group: z.string().regex(/^(aap|labops):.{1,200}$/), subject: z.string().max(200), ms: z.number().int().min(1_000).max(86_400_000) });
