import { z } from "zod";
import { formatWindow } from "../../alerts/alert-message.ts";
import { AlertStore } from "../../alerts/alert-store.ts";
import { muteScopeRole } from "../../alerts/mute-role.ts";
import { MUTE_SCOPE, type Mute } from "../../alerts/mutes.ts";
import { actorKey, type Role } from "../../core/actor.ts";
import { Permissions } from "../../core/permissions.ts";
import { UserError } from "../../errors.ts";
import { nextRuns } from "../../schedules/cron.ts";
import { defineProcessor, type Processor, type ProcessorContext } from "../processor.ts";

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

export const alertsListArgs = z.object({});
export const alertsMuteArgs = z.object({
  scope: z.string().regex(MUTE_SCOPE, "app:<name>, host:<name> or template:<name>").describe("What to mute: app:<name>, host:<name> or template:<name>"),
  window: windowArg.describe("How long, e.g. for 2h"),
});
export const alertsUnmuteArgs = z.object({ mute: z.string().min(2).max(120).describe("Mute id from /labops alerts list (or its scope)") });

function store(ctx: ProcessorContext<unknown>): AlertStore {
  const c = ctx.deps.config;
  return new AlertStore(ctx.deps.redis, c.redis.prefix, { dedupeTtlMs: 7 * 86_400_000, staleClaimMs: 300_000, maintenance: c.alerts.maintenance });
}

/**
 * The role a scope needs (muteScopeRole), checked where the mute takes effect against the grants in force now
 * (not the role the acknowledgement saw); returns the actor's current role, stored with the mute.
 */
async function checkRole(ctx: ProcessorContext<unknown>, scope: string, what: string): Promise<Role> {
  const { config, commands } = ctx.deps;
  const needed = muteScopeRole(config, commands, scope);
  const permissions = new Permissions(config.permissions, config.admins);
  const role = permissions.roleOf(ctx.payload.actor, ctx.payload.channel);
  if (!role || !permissions.allows(ctx.payload.actor, ctx.payload.channel, needed)) {
    await ctx.deps.audit.record({ event: "refused", actor: actorKey(ctx.payload.actor), command: `alerts ${what}`, detail: `${scope}: needs ${needed}` }).catch(() => {});
    throw new UserError("forbidden", `${what === "mute" ? "Muting" : "Unmuting"} the alerts of \`${scope}\` needs the ${needed} role (the role of the command whose alerts it covers), which you do not have here.`);
  }
  return role;
}

const until = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace("T", " ")} UTC`;
const line = (m: Mute) =>
  m.window
    ? `\`${m.scope}\` · maintenance window \`${m.window}\` · until ${until(m.until)}`
    : `\`${m.id ?? "button"}\` · \`${m.scope}\` · by ${m.by} · until ${until(m.until)} (${formatWindow(Math.max(0, m.until - Date.now()))} left)`;

/** alerts.list (viewer): mutes in force with their expiry, and the maintenance windows from the settings. */
const list = defineProcessor({
  name: "alerts.list",
  args: alertsListArgs,
  title: () => "Alert mutes",
  async run(ctx) {
    const mutes = await store(ctx).mutes();
    const windows = ctx.deps.config.alerts.maintenance;
    const lines = [
      ...(mutes.length ? mutes.map(line) : ["No alerts are muted now."]),
      ...windows.map((w) => `window \`${w.scope}\`: ${formatWindow(w.duration)} from each \`${w.cron}\` (${w.tz}); next ${until(nextRuns(w.cron, w.tz, 1)[0]!.getTime())}`),
    ];
    return { outcome: "success", message: { title: `Alert mutes (${mutes.length})`, state: "success", lines } };
  },
});

/**
 * alerts.mute (operator; for a template, the role of its command): silences alerts naming the scope for the
 * window; they are logged and listed with the next alert. The mute carries the muter's role: it does not hide
 * the alerts of a command that needs more.
 */
const mute = defineProcessor({
  name: "alerts.mute",
  args: alertsMuteArgs,
  title: (a) => `Mute ${a.scope}`,
  async run(ctx) {
    const role = await checkRole(ctx, ctx.args.scope, "mute");
    const m = await store(ctx).mute(ctx.args.scope, ctx.args.window, ctx.payload.actor.name, role);
    return {
      outcome: "success",
      message: {
        title: `Alerts for ${m.scope} muted for ${formatWindow(ctx.args.window)} by ${m.by}`, state: "success",
        lines: [`Mute \`${m.id}\` until ${until(m.until)}. Alerts in that time are logged and listed with the next alert after it; \`/labops alerts unmute ${m.id}\` ends it early.`],
      },
      details: { mute: m.id, scope: m.scope, until: m.until },
    };
  },
});

/** alerts.unmute (operator; for a template, the role of its command): ends a mute made with /labops alerts mute. */
const unmute = defineProcessor({
  name: "alerts.unmute",
  args: alertsUnmuteArgs,
  title: (a) => `Unmute ${a.mute}`,
  async run(ctx) {
    const s = store(ctx);
    const found = await s.findMute(ctx.args.mute);
    if (found) await checkRole(ctx, found.scope, "unmute");
    const m = found && (await s.unmute(found.id!));
    if (!m) throw new UserError("mute_unknown", `No mute \`${ctx.args.mute}\` is in force. See \`/labops alerts list\`; maintenance windows end only by editing the settings.`);
    return { outcome: "success", message: { title: `Alerts for ${m.scope} unmuted by ${ctx.payload.actor.name}`, state: "success", lines: [`Mute \`${m.id}\` (by ${m.by}) ended.`] }, details: { mute: m.id } };
  },
});

export const alertsMuteProcessors: readonly Processor[] = [list, mute, unmute] as unknown as Processor[];
