import { z } from "zod";
import { hostName } from "../appcatalog/app-args.ts";
import type { AckContext } from "../core/command.ts";
import { defineCommand } from "../core/command.ts";
import { ackContext } from "../core/dispatch.ts";
import type { Message } from "../core/message.ts";
import { UserError } from "../errors.ts";
import { deployArgs } from "../jobs/deploy-args.ts";

/** At most this many apps per /deploy: each is a job, charged to its person's cap on queued jobs. */
const MAX_APPS = 20;
const appName = z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "an app name: lowercase letters, digits, - and _");

/** `/deploy <app> [<app>...] [--all-on <host>] [--check] [--host H] [--allow-elevated]`; each app's job takes deployArgs. */
export const deployCommandArgs = deployArgs.extend({
  app: appName.optional().describe("App name from app_list"),
  apps: z.array(appName).default([]).describe("More apps: each one is deployed by its own job, under its own lock"),
  allOn: hostName.optional().describe("Deploy every app whose app_list host is this one (as labops last read app_list)"),
});
type DeployCommandArgs = z.output<typeof deployCommandArgs>;

const deploy = defineCommand({
  name: "deploy",
  description: "Deploy apps from Nautobot's app_list with Master Deploy",
  requires: "operator",
  args: deployCommandArgs,
  positional: ["app", "apps"],
  job: "aap.deploy",
  shortcut: true,
  examples: ["traefik", "traefik --check", "grafana --host docker02", "traefik homepage", "--all-on docker01"],
  mutating: true,
  relaunchFromAlert: true, // Master Deploy is idempotent: the failed hosts may run again, under app:<name>
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps", apps: "apps", host: "hosts", allOn: "hosts" },
  // Also the role of any relaunch or re-run of such a deploy.
  requiresFor: (a) =>
    a.allowElevated
      ? { role: "admin", reason: "`--allow-elevated` deploys an app with power over its host (privileged mode, capabilities, host namespaces, devices)" }
      : undefined,
  run: (ctx) => {
    const apps = appsOf(ctx);
    if (apps.length === 1 && !ctx.args.allOn && !ctx.args.apps.length) return ctx.enqueue();
    return enqueueEach(ctx, apps);
  },
});
export default deploy;

/** The apps named, or those on the --all-on host in the app_list copy (the ack path reads no backend). */
function appsOf(ctx: AckContext<DeployCommandArgs>): string[] {
  const { app, apps: more, allOn, host } = ctx.args;
  if (allOn) {
    if (app || more.length) throw new UserError("bad_args", "Name apps or use `--all-on <host>`, not both. Nothing was queued.");
    if (host) throw new UserError("bad_args", "`--host` picks one app's host; with `--all-on` every app is deployed on its own host. Nothing was queued.");
    const cached = ctx.deps.catalog?.cached?.();
    if (!cached) throw new UserError("app_list_not_read", "labops has not read app_list yet, so it cannot tell which apps run on that host; try again in a minute. Nothing was queued.");
    const on = Object.entries(cached.apps).filter(([, a]) => (a as { host?: unknown } | null)?.host === allOn).map(([n]) => n).sort();
    if (!on.length) throw new UserError("no_apps_on_host", `No app of app_list runs on \`${allOn}\` (as read at ${new Date(cached.at).toISOString().slice(11, 16)} UTC). Nothing was queued.`);
    return on;
  }
  if (!app) {
    throw new UserError("bad_args", "Name an app (`/deploy traefik`), several (`/deploy traefik homepage`), or `--all-on <host>`. Nothing was queued.\n" +
      `Usage: \`${ctx.deps.commands.get("deploy")!.usage}\``);
  }
  const all = [app, ...more];
  if (new Set(all).size !== all.length) throw new UserError("bad_args", "An app is named twice. Nothing was queued.");
  if (all.length > 1 && host) throw new UserError("bad_args", "`--host` picks one app's host; deploy several apps without it (each on its own host). Nothing was queued.");
  return all;
}

/** One aap.deploy job per app, each under its own app lock, each with its own request id (a redelivery makes none). */
async function enqueueEach(ctx: AckContext<DeployCommandArgs>, apps: string[]): Promise<Message> {
  if (apps.length > MAX_APPS) throw new UserError("bad_args", `That is ${apps.length} apps; /deploy takes at most ${MAX_APPS} at once. Nothing was queued.`);
  const cmd = ctx.deps.commands.get("deploy")!;
  const { check, allowElevated, allOn } = ctx.args;
  const jobIds: string[] = [];
  const lines: string[] = [];
  for (const app of apps) {
    const args = { app, check, allowElevated, apps: [], ...(allOn ? { host: allOn } : {}) };
    const reply = await ackContext(ctx.deps, cmd, args, { actor: ctx.actor, channel: ctx.channel, requestId: `${ctx.requestId}:${app}` }).enqueue();
    if (reply.jobId) jobIds.push(reply.jobId);
    const again = reply.lines?.[0]?.startsWith("This request was already received");
    lines.push(`\`${app}\`: job \`${reply.jobId}\`${again ? " (already received)" : ""}`);
  }
  return {
    title: `/${ctx.deps.commands.typed("deploy")}: ${apps.length} apps queued, one job each${allOn ? ` (every app on ${allOn})` : ""}`,
    state: "queued", ephemeral: true, jobId: jobIds[0], jobIds,
    lines: [...lines, "Each app waits for its own lock; progress follows in this channel."],
  };
}
