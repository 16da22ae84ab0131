import { appAddArgs, appListArgs, appLogsArgs, appRemoveArgs, appRestartArgs, appSetArgs, appShowArgs, elevatedFlags, setsSomething } from "../appcatalog/app-args.ts";
import { UserError } from "../errors.ts";
import { appFields, appLine } from "../appcatalog/app-view.ts";
import { cachedEntries, type AppEntry } from "../appcatalog/app-catalog.ts";
import { defineCommand, type AckContext, type CommandDefinition } from "../core/command.ts";
import { formatTime } from "../core/format.ts";
import type { Message } from "../core/message.ts";

/**
 * Read-only answers from app_list as labops last read it in the background (the lookup cache's refresh):
 * one private message, no job. Before the first read, the job reads Nautobot.
 */
function fromCache<A>(ctx: AckContext<A>, answer: (apps: Record<string, AppEntry>) => Message | undefined): Promise<Message> {
  // A schedule runs the command to read Nautobot at its time: never from the copy.
  const cached = ctx.requestId.startsWith("schedule:") ? undefined : ctx.deps.catalog?.cached?.();
  const reply = cached ? answer(cachedEntries(cached.apps)) : undefined;
  if (!reply) return ctx.enqueue();
  return Promise.resolve({ ...reply, ephemeral: true, footer: `app_list as of ${formatTime(cached!.at, ctx.deps.timeZone)} (read every 5 min)` });
}

const list = defineCommand({
  name: "app list",
  description: "List the apps of Nautobot's app_list",
  requires: "viewer",
  args: appListArgs,
  job: "app.list",
  examples: [""],
  run: (ctx) => fromCache(ctx, (apps) => {
    const names = Object.keys(apps).sort();
    return { title: `Apps in app_list: ${names.length}`, state: "info", lines: names.length ? names.map((n) => appLine(n, apps[n]!)) : ["app_list is empty."] };
  }),
});

const show = defineCommand({
  name: "app show",
  description: "Show one app of app_list",
  requires: "viewer",
  args: appShowArgs,
  positional: ["app"],
  job: "app.show",
  examples: ["grafana"],
  complete: { app: "apps" },
  // An app not in the cached copy goes to the job, which reads Nautobot (and suggests close names).
  run: (ctx) => fromCache(ctx, (apps) => {
    const app = apps[ctx.args.app];
    return app ? { title: `App ${ctx.args.app}`, state: "info", fields: appFields(app), lines: [`Deploy with \`/deploy ${ctx.args.app}\`.`] } : undefined;
  }),
});

const add = defineCommand({
  name: "app add",
  description: "Add an app to app_list (Git commit + Nautobot sync)",
  requires: "operator",
  args: appAddArgs,
  positional: ["app"],
  job: "app.add",
  examples: ["homepage --image ghcr.io/gethomepage/homepage:v0.9.6 --host docker01 --port 3002:3000"],
  mutating: true,
  lock: (a) => `app:${a.app}`,
  complete: { host: "hosts" },
  // Elevated options are root on the host: only an admin may ask for them, and nothing is queued otherwise.
  requiresFor: (a) => {
    const flags = elevatedFlags(a);
    if (!flags.length) return undefined;
    return { role: "admin", reason: `${flags.map((f) => `\`${f}\``).join(", ")} ${flags.length > 1 ? "give" : "gives"} the container power over its host` };
  },
});

const set = defineCommand({
  name: "app set",
  description: "Change an app's image, ports, volumes or env in app_list (Git commit + Nautobot sync), then offer Deploy",
  requires: "operator",
  args: appSetArgs,
  positional: ["app"],
  job: "app.set",
  examples: ["homepage --image ghcr.io/gethomepage/homepage:v0.9.8", "grafana --port 3000 --env TZ=UTC", "whoami --clear volumes"],
  mutating: true,
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps" },
  // An entry with elevated options can only be changed by an admin: the worker checks it against the entry it reads.
  run: (ctx) => {
    if (!setsSomething(ctx.args)) throw new UserError("bad_args", "Nothing to change: give `--image`, `--port`, `--volume`, `--env` or `--clear`. Nothing was queued.");
    return ctx.enqueue();
  },
});

// Admin: it stops a running service for everyone, and the entry's history is all that brings it back.
const remove = defineCommand({
  name: "app remove",
  description: "Stop and remove an app's container on its host, then remove it from app_list (Git commit + Nautobot sync)",
  requires: "admin",
  args: appRemoveArgs,
  positional: ["app"],
  job: "app.remove",
  examples: ["uptime-kuma", "uptime-kuma --keep-container"],
  mutating: true,
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps" },
  confirm: {
    title: (a) => `Remove ${a.app} from app_list?`,
    lines: (a) => a.keepContainer
      ? [`This commits the removal of \`${a.app}\` to the app_list repository and syncs Nautobot. The running container is left as it is.`]
      : [`This stops and removes the \`${a.app}\` container on its host with Master Deploy (its volumes are kept), then commits the removal to the app_list repository and syncs Nautobot.`],
    confirmLabel: "Remove",
  },
});

// Day-two commands: Master Deploy on the app's host (labops has no shell there), each under the app's lock.
const restart = defineCommand({
  name: "app restart",
  description: "Restart an app's container on its host (Master Deploy, app_action restart)",
  requires: "operator",
  args: appRestartArgs,
  positional: ["app"],
  job: "app.restart",
  examples: ["grafana", "grafana --host docker02"],
  mutating: true,
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps", host: "hosts" },
});

// Operator, not viewer: logs often hold tokens and addresses, and reading them runs a job on the host.
const logs = defineCommand({
  name: "app logs",
  description: "Show the last lines of an app's container log (Master Deploy, app_action logs)",
  requires: "operator",
  args: appLogsArgs,
  positional: ["app"],
  job: "app.logs",
  examples: ["grafana", "grafana --lines 20"],
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps", host: "hosts" },
});

/** /app list | show | add | set | remove | restart | logs */
export const appCommands: readonly CommandDefinition[] = [list, show, add, set, remove, restart, logs] as CommandDefinition[];
