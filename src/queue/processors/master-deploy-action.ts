import { requireApp, type AppEntry } from "../../appcatalog/app-catalog.ts";
import { UserError } from "../../errors.ts";
import type { ProcessorContext } from "../processor.ts";
import type { ProcessorDeps } from "../systems.ts";
import { launchOnce, type FollowedJob } from "../../deploy/aap-follow.ts";
import { aapStatusLine, hostCountsLine } from "../../deploy/aap-view.ts";

/** What Master Deploy does besides deploying (playbooks/master_deploy.yml's app_action). */
export type AppAction = "restart" | "logs" | "remove";

export interface AppActionRun {
  followed: FollowedJob;
  app: AppEntry;
  host: string;
}

/**
 * Runs Master Deploy with `app_action` on the app's host (or one of its alternate_hosts), limited to that one
 * host, exactly once per labops job (launchOnce: the AAP job id is saved before it is waited on). The app is
 * read fresh from app_list; the playbook asserts the action, the app and the host again.
 */
export async function runAppAction(
  ctx: ProcessorContext<unknown, ProcessorDeps<never, "aap">>,
  o: { app: string; action: AppAction; host?: string | undefined; logLines?: number | undefined; title: string; entry?: AppEntry | undefined },
): Promise<AppActionRun> {
  const { deps } = ctx;
  if (!deps.aap) throw new UserError("aap_not_configured", "AAP is not configured (set AAP_URL and AAP_TOKEN), so labops cannot reach the app's host.");
  const app = o.entry ?? (await requireApp(deps.catalog, o.app, ctx.signal, true));
  const host = o.host ?? app.host;
  const allowed = [app.host, ...(app.alternate_hosts ?? [])];
  if (!allowed.includes(host)) {
    throw new UserError("app_wrong_host", `\`${o.app}\` runs on ${allowed.map((h) => `\`${h}\``).join(" or ")} (its app_list host${allowed.length > 1 ? " and alternate_hosts" : ""}), not \`${host}\`. Nothing was launched.`);
  }
  const template = deps.config.aapSettings.templates.deploy;
  const link = (id: number) => ({ label: `AAP job ${id}`, url: deps.aap!.jobUrl(id) });
  ctx.progress.update({ title: o.title, state: "running", lines: [`Launching "${template}" (${o.action}) on ${host}…`] });
  const followed = await launchOnce(ctx, {
    aap: deps.aap,
    key: o.action,
    template,
    body: {
      extra_vars: { app: o.app, target_host: host, app_action: o.action, ...(o.logLines !== undefined ? { app_log_lines: o.logLines } : {}) },
      limit: host,
    },
    pollMs: deps.config.aapSettings.pollInterval,
    timeoutMs: deps.config.aapSettings.jobTimeout,
    onProgress: (job, p) => ctx.progress.update({ title: o.title, state: "running", lines: [aapStatusLine(job, p), hostCountsLine(p)], link: link(job.id) }),
  });
  return { followed, app, host };
}
