import { PLATFORM_GRANTS } from "../../config.ts";
import type { Redis } from "ioredis";
import type { Config } from "../../config.ts";
import type { Message } from "../../core/message.ts";
import { formatWindow } from "../../alerts/alert-message.ts";
import { AlertStore } from "../../alerts/alert-store.ts";
import { muteScopeRole } from "../../alerts/mute-role.ts";
import type { Mute } from "../../alerts/mutes.ts";
import { actorKey, type Role } from "../../core/actor.ts";
import { Permissions } from "../../core/permissions.ts";
import { formatTime } from "../../core/format.ts";
import { UserError } from "../../errors.ts";
import { nextRuns } from "../../schedules/cron.ts";
import { defineProcessor, type ProcessorContext } from "../processor.ts";


const untilIn = (tz: string) => (ms: number) => formatTime(ms, tz, { minutes: true });

function store(ctx: ProcessorContext<unknown>): AlertStore {
  return alertStore(ctx.deps.redis, ctx.deps.config);
}

function alertStore(redis: Redis, c: Config): AlertStore {
  return new AlertStore(redis, c.redis.prefix, { dedupeTtlMs: 7 * 86_400_000, staleClaimMs: 300_000, maintenance: c.alerts.maintenance });
}

/**
 * The role a scope needs (muteScopeRole), checked where the mute takes effect against the grants in force now
 * (not the role the acknowledgement saw); returns the actor's current role, stored with the mute.
 */
async function checkRole(ctx: ProcessorContext<unknown>, scope: string, what: string): Promise<Role> {
  const { config, commands } = ctx.deps;
  const needed = muteScopeRole(config, commands, scope);
  const permissions = new Permissions(config.permissions, config.admins, PLATFORM_GRANTS);
  const role = permissions.roleOf(ctx.payload.actor, ctx.payload.channel);
  if (!role || !permissions.allows(ctx.payload.actor, ctx.payload.channel, needed)) {
    await ctx.deps.audit.record({ event: "refused", actor: actorKey(ctx.payload.actor), command: `alerts ${what}`, detail: `${scope}: needs ${needed}` }).catch(() => {});
    throw new UserError("forbidden", `${what === "mute" ? "Muting" : "Unmuting"} the alerts of \`${scope}\` needs the ${needed} role (the role of the command whose alerts it covers), which you do not have here.`);
  }
  return role;
}

const line = (m: Mute, until: (ms: number) => string) =>
  m.window
    ? `\`${m.scope}\` · maintenance window \`${m.window}\` · until ${until(m.until)}`
    : `\`${m.id ?? "button"}\` · \`${m.scope}\` · by ${m.by} · until ${until(m.until)} (${formatWindow(Math.max(0, m.until - Date.now()))} left)`;

/** The answer of /alerts list: mutes in force (Redis) and the settings' maintenance windows. Reads Redis only. */
export async function alertsListMessage(redis: Redis, config: Config): Promise<Message> {
  const until = untilIn(config.timeZone);
  const mutes = await alertStore(redis, config).mutes();
  const lines = [
    ...(mutes.length ? mutes.map((m) => line(m, until)) : ["No alerts are muted now."]),
    ...config.alerts.maintenance.map((w) => `window \`${w.scope}\`: ${formatWindow(w.duration)} from each \`${w.cron}\` (${w.tz}); next ${until(nextRuns(w.cron, w.tz, 1)[0]!.getTime())}`),
  ];
  return { title: `Alert mutes (${mutes.length})`, state: "success", lines };
}

/** alerts.list (viewer): mutes in force with their expiry, and the maintenance windows from the settings (before the ack path could answer it). */
export const alertsList = defineProcessor({
  name: "alerts.list",
  needs: [],
  title: () => "Alert mutes",
  async run(ctx) {
    return { outcome: "success", message: await alertsListMessage(ctx.deps.redis, ctx.deps.config) };
  },
});

/**
 * alerts.mute (operator; for a template, the role of its command): silences alerts naming the scope for the
 * window; they are logged and listed with the next alert. The mute carries the muter's role: it does not hide
 * the alerts of a command that needs more.
 */
export const alertsMute = defineProcessor({
  name: "alerts.mute",
  needs: [],
  title: (a) => `Mute ${a.scope}`,
  async run(ctx) {
    const role = await checkRole(ctx, ctx.args.scope, "mute");
    const until = untilIn(ctx.deps.config.timeZone);
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
export const alertsUnmute = defineProcessor({
  name: "alerts.unmute",
  needs: [],
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

