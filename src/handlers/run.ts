import { z } from "zod";
import { actorKey } from "../core/actor.ts";
import { defineCommand } from "../core/command.ts";
import { parseVars, runTemplate } from "../core/run-policy.ts";
import { checkRunVars, sealSecrets, shownVars } from "../core/run-survey.ts";
import { UserError } from "../errors.ts";

export const runArgs = z.object({
  template: z.string().min(1).max(200).describe("Name of an allowed AAP workflow or job template (quote it if it has spaces)"),
  var: z.array(z.string().max(1100)).max(20).optional().describe("An extra variable or survey answer the template allows, as name=value (repeatable)"),
  host: z.string().max(63).optional().describe("Limit to this one host, where the template allows it"),
});

/**
 * /labops run <template>: launches an allowed AAP workflow or job template (settings `run.templates`) and follows
 * it like /deploy, through its approvals. The role is the template's, checked here and again on the worker.
 * A job template's survey (read in the background) is enforced here; secret answers are sealed before queueing.
 */
export default defineCommand({
  name: "run",
  description: "Launch an allowed AAP workflow or job template and follow it, approvals included",
  requires: "operator",
  args: runArgs,
  positional: ["template"],
  examples: ['"Deploy with Approval" --var app=grafana --host docker01', '"Create Backup Job" --var backup_host=docker01 --var backup_retention=30 --var backup_password=…'],
  mutating: true,
  async run({ args, actor, channel, requestId, deps }) {
    const given = parseVars(args.var ?? []);
    const templates = deps.runTemplates ?? {};
    const t0 = runTemplate(templates, args.template);
    if (!deps.permissions.allows(actor, channel, t0.role)) {
      await deps.audit.record({ event: "refused", actor: actorKey(actor), command: "run", target: `template:${args.template}`, detail: `needs ${t0.role}` }).catch(() => {});
      throw new UserError("forbidden", `Running \`${args.template}\` needs the ${t0.role} role, which you do not have here.`);
    }
    const survey = t0.kind === "job" && deps.surveys ? deps.surveys.get(args.template) : null;
    if (survey === undefined) {
      void deps.surveys?.refresh();
      throw new UserError("survey_unknown", `labops has not read the survey of \`${args.template}\` from AAP yet; try again in a minute.`);
    }
    const { t, vars, answers } = checkRunVars(templates, { template: args.template, vars: given, host: args.host, survey });
    const secrets = sealSecrets(deps.secretBox, args.template, answers?.secrets ?? {});
    const lockKey = `template:${args.template}`;
    const { jobId, duplicate } = await deps.jobs.enqueue("aap.run", {
      command: "run", args: { template: args.template, vars, secrets, ...(args.host ? { host: args.host } : {}) }, actor, channel, requestId, lockKey, requires: t.role, enqueuedAt: Date.now(),
    });
    if (!duplicate) void deps.audit.record({ event: "command", actor: actorKey(actor), command: "run", jobId, target: lockKey, detail: JSON.stringify({ template: args.template, vars: shownVars(vars, secrets), host: args.host }) }).catch(() => {});
    return { title: `/labops run: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId,
      lines: duplicate ? ["This request was already received; no second job was made."] : ["Progress follows in this channel."] };
  },
});
