import { appAddArgs, appListArgs, appRemoveArgs, appShowArgs } from "../appcatalog/app-args.ts";
import { defineCommand, type CommandDefinition } from "../core/command.ts";

const list = defineCommand({
  name: "app list",
  description: "List the apps of Nautobot's app_list",
  requires: "viewer",
  args: appListArgs,
  job: "app.list",
  examples: [""],
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
});

const remove = defineCommand({
  name: "app remove",
  description: "Remove an app from app_list (Git commit + Nautobot sync)",
  requires: "admin",
  args: appRemoveArgs,
  positional: ["app"],
  job: "app.remove",
  examples: ["uptime-kuma"],
  mutating: true,
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps" },
  confirm: {
    title: (a) => `Remove ${a.app} from app_list?`,
    lines: (a) => [`This commits the removal of \`${a.app}\` to the app_list repository and syncs Nautobot. The running container is not stopped.`],
    confirmLabel: "Remove",
  },
});

/** /app list | show | add | remove */
export const appCommands: readonly CommandDefinition[] = [list, show, add, remove] as CommandDefinition[];
