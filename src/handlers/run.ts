import { z } from "zod";
import { actorKey } from "../core/actor.ts";
import { defineCommand } from "../core/command.ts";
import { checkRun, parseVars } from "../core/run-policy.ts";
import { UserError } from "../errors.ts";

export const runArgs = z.object({
  template: z.string().min(1).max(200).describe("Name of an allowed AAP workflow or job template (quote it if it has spaces)"),
  var: z.array(z.string().max(300)).max(20).optional().describe("An extra variable the template allows, as name=value (repeatable)"),
  host: z.string().max(63).optional().describe("Limit to this one host, where the template allows it"),
});

/**
 * /labops run <template>: launches an allowed AAP workflow or job template (settings `run.templates`) and follows
 * it like /deploy, through its approvals. The role is the template's, checked here and again on the worker.
 */
export default defineCommand({
  name: "run",
  description: "Launch an allowed AAP workflow or job template and follow it, approvals included",
  requires: "operator",
  args: runArgs,
  positional: ["template"],
  examples: ['"Deploy with Approval" --var app=grafana --host docker01'],
  mutating: true,
  async run({ args, actor, channel, requestId, deps }) {
    const vars = parseVars(args.var ?? []);
    const t = checkRun(deps.runTemplates ?? {}, { template: args.template, vars, host: args.host });
    if (!deps.permissions.allows(actor, channel, t.role)) {
      await deps.audit.record({ event: "refused", actor: actorKey(actor), command: "run", target: `template:${args.template}`, detail: `needs ${t.role}` }).catch(() => {});
      throw new UserError("forbidden", `Running \`${args.template}\` needs the ${t.role} role, which you do not have here.`);
    }
    const lockKey = `template:${args.template}`;
    const { jobId, duplicate } = await deps.jobs.enqueue("aap.run", {
      command: "run", args: { template: args.template, vars, ...(args.host ? { host: args.host } : {}) }, actor, channel, requestId, lockKey, requires: t.role, enqueuedAt: Date.now(),
    });
    if (!duplicate) void deps.audit.record({ event: "command", actor: actorKey(actor), command: "run", jobId, target: lockKey, detail: JSON.stringify({ template: args.template, vars, host: args.host }) }).catch(() => {});
    return { title: `/labops run: queued as job \`${jobId}\``, state: "queued", ephemeral: true, jobId,
      lines: duplicate ? ["This request was already received; no second job was made."] : ["Progress follows in this channel."] };
  },
});
