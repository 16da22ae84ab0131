import { PLATFORM_GRANTS } from "../../config.ts";
import { createHash } from "node:crypto";
import { applyAppChange } from "../../appcatalog/app-change.ts";
import { elevatedOptions } from "../../appcatalog/app-policy.ts";
import { appFields } from "../../appcatalog/app-view.ts";
import { serviceStep } from "../../appcatalog/app-service.ts";
import { buildChangedApp } from "../../appcatalog/app-validate.ts";
import type { AppEntry } from "../../appcatalog/app-catalog.ts";
import type { Message } from "../../core/message.ts";
import { Permissions } from "../../core/permissions.ts";
import { UserError } from "../../errors.ts";
import { deployButtonRecord } from "../../gitops/deploy-button.ts";
import { Steps } from "../../core/steps.ts";
import { defineProcessor } from "../processor.ts";

const DAY = 86_400_000;

/**
 * app.set: change an app's app_list entry (image, ports, volumes, env) with the checks of /app add, commit it
 * like /app add (or PATCH), wait until Nautobot shows it, then offer a Deploy button (the click is /deploy).
 */
export default defineProcessor({
  name: "app.set",
  needs: ["nautobot"],
  title: (a) => `Change app ${a.app}`,
  async run(ctx) {
    const nb = ctx.deps.nautobot;
    const title = `Change app ${ctx.args.app}`;
    const steps = new Steps();
    const show = (extra: Partial<Message> = {}) => ctx.progress.update({ title, state: "running", steps: steps.list(), ...extra });
    steps.running("Checking the change against Nautobot…");
    show();
    const { context, apps } = await nb.appList({ signal: ctx.signal });
    type Saved = { entry: AppEntry; changed: string[]; warning?: string | undefined; before: AppEntry };
    // A retry after our own change landed must not refuse it as "nothing to change": it reuses what it checked.
    let saved = ctx.state.setChange as Saved | undefined;
    if (!saved) {
      const built = buildChangedApp(ctx.args, apps, { ...ctx.deps.config.deploy });
      saved = { ...built, before: apps[ctx.args.app]! };
      // The entry keeps its elevated options: putting another image or other mounts under them is an admin's call.
      const elevated = elevatedOptions(built.entry as Record<string, unknown>);
      const permissions = new Permissions(ctx.deps.config.permissions, ctx.deps.config.admins, PLATFORM_GRANTS);
      if (elevated.length && !permissions.allows(ctx.payload.actor, ctx.payload.channel, "admin")) {
        await ctx.deps.audit.record({ event: "refused", command: "app set", jobId: ctx.jobId, target: ctx.payload.lockKey, detail: "elevated entry" }).catch(() => {});
        throw new UserError("forbidden", `\`${ctx.args.app}\` runs with ${elevated.join(", ")}; changing it needs the admin role, which you do not have here. Nothing was committed.`);
      }
      await ctx.save({ setChange: saved });
    }
    steps.done(`Change valid: ${saved.changed.join(", ")}`);
    if (saved.warning) steps.warn(saved.warning);
    const r = await applyAppChange(ctx, nb, context, { kind: "set", app: ctx.args.app, entry: saved.entry, changed: saved.changed }, steps, show);
    if (saved.changed.includes("ports")) {
      const svc = await serviceStep(nb, ctx.args.app, saved.entry.host, saved.entry, ctx.signal);
      if (svc.ok) steps.done(svc.line);
      else steps.warn(svc.line);
    }
    // One Deploy per change: the click runs /deploy for whoever clicks, with /deploy's role.
    const rev = r.sha ?? createHash("sha1").update(ctx.jobId).digest("hex");
    const deployId = await ctx.deps.actions.create(deployButtonRecord(ctx.args.app, rev, DAY));
    for (const e of r.syncErrors) steps.warn(`sync: ${e}`);
    const lines = [
      ...changeLines(saved.before, saved.entry, saved.changed),
      `The running container is unchanged until it is deployed: **Deploy** below, or \`/deploy ${ctx.args.app}\`.`,
    ];
    return {
      outcome: "success",
      message: {
        title: `${title}: done${r.syncErrors.length ? " (sync reported errors)" : ""}`, state: "success", steps: steps.list(), lines, fields: appFields(saved.entry),
        buttons: [{ id: deployId, label: `Deploy ${ctx.args.app}`, style: "primary" }],
      },
      details: { via: r.via, commit: r.sha, changed: saved.changed },
    };
  },
});

function changeLines(before: AppEntry, after: AppEntry, changed: readonly string[]): string[] {
  const show = (v: unknown) => (v === undefined ? "(none)" : Array.isArray(v) ? v.join(", ") || "(none)" : typeof v === "object" && v ? Object.entries(v).map(([k, x]) => `${k}=${String(x)}`).join(", ") : String(v));
  return changed.map((k) => `${k}: ${show(before[k as keyof AppEntry])} → ${show(after[k as keyof AppEntry])}`);
}
