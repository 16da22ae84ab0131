import { z } from "zod";
import { ackContext, type ActionHandler } from "../core/dispatch.ts";
import { UserError } from "../errors.ts";

export const GITOPS_DEPLOY = "gitops-deploy";

const payloadSchema = z.object({ app: z.string().regex(/^[a-z0-9][a-z0-9_-]*$/), rev: z.string().regex(/^[0-9a-f]{7,64}$/) });

/** The Deploy button of a sync message: the click runs `/deploy <app>` for whoever clicks, with /deploy's own role check. */
export function deployButtonRecord(app: string, rev: string, ttlMs: number) {
  return { kind: GITOPS_DEPLOY, payload: { app, rev }, requires: "operator" as const, singleUse: false, ttlMs };
}

/**
 * On click: the button needs operator (checked by dispatchAction before this runs), and the deploy command's
 * own role is checked again here, so the button is never more than typing `/deploy <app>`. One deploy per app
 * and revision: a second click is answered "already received".
 */
export const gitopsDeployAction: ActionHandler = {
  kind: GITOPS_DEPLOY,
  async run({ payload, actor, channel, deps }) {
    const p = payloadSchema.parse(payload);
    const cmd = deps.commands.get("deploy");
    if (!cmd) throw new UserError("action_unknown", "The deploy command is not available.");
    if (!deps.permissions.allows(actor, channel, cmd.def.requires)) {
      throw new UserError("forbidden", `\`/deploy\` needs the ${cmd.def.requires} role, which you do not have here.`);
    }
    const args = cmd.def.args.parse({ app: p.app }) as Record<string, unknown>;
    const reply = await ackContext(deps, cmd, args, { actor, channel, requestId: `gitops-deploy:${p.rev}:${p.app}` }).enqueue();
    return { reply };
  },
};
