import { defineCommand } from "../core/command.ts";
import { deployArgs } from "../jobs/deploy-args.ts";

export default defineCommand({
  name: "deploy",
  description: "Deploy an app from Nautobot's app_list with Master Deploy",
  requires: "operator",
  args: deployArgs,
  positional: ["app"],
  job: "aap.deploy",
  shortcut: true,
  examples: ["traefik", "traefik --check", "grafana --host docker02"],
  mutating: true,
  relaunchFromAlert: true, // Master Deploy is idempotent: the failed hosts may run again, under app:<name>
  lock: (a) => `app:${a.app}`,
  complete: { app: "apps", host: "hosts" },
  // Also the role of any relaunch or re-run of such a deploy.
  requiresFor: (a) =>
    a.allowElevated
      ? { role: "admin", reason: "`--allow-elevated` deploys an app with power over its host (privileged mode, capabilities, host namespaces, devices)" }
      : undefined,
});
