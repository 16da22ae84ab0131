import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const APPROVALS: ChannelRef = { platform: "terminal", channel: "approvals" };
const grant = (role: "viewer" | "operator" | "admin", id: string) => ({ role, slackUsers: [id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
const OPERATOR: Actor = { platform: "slack", id: "U0OTTO", name: "otto", groups: [] };
const APPROVER: Actor = { platform: "slack", id: "U0OLGA", name: "olga", groups: [] };
const VIEWER: Actor = { platform: "slack", id: "U0VERA", name: "vera", groups: [] };

/** /labops run: an allowed template only, with only its allowed variables, followed through its approval to the end. */
describe("/labops run <template>", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.permissions.grants.push(grant("operator", OPERATOR.id), grant("operator", APPROVER.id), grant("viewer", VIEWER.id));
        c.approvals.channels = ["terminal:approvals"];
        c.approvals.pollInterval = 50;
        c.run.templates = {
          "Deploy with Approval": { kind: "workflow", role: "operator", vars: ["app"], limit: true },
          "Setup AAP (Seeder)": { kind: "job", role: "admin", vars: [], limit: false },
        };
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("launches the workflow once, waits at its approval (posted naming who asked), and after Approve follows it to success", async () => {
    const before = h.lab.aap.http.count("POST", /workflow_job_templates\/\d+\/launch\/$/);
    const ack = await h.run('/labops run "Deploy with Approval" --var app=grafana --host docker01', OPERATOR);
    expect(ack.state).toBe("queued");
    const approvalMsg = await h.notifier.waitFor((m) => m.ref.channel === APPROVALS.channel && renderText(m.history[0]!).includes("launched by otto (via labops)"), 10_000);
    const progress = await h.notifier.waitFor((m) => (m.history.at(-1)!.lines ?? []).some((l) => l.startsWith("Waiting for approval: Approve the deploy")), 10_000);
    expect(progress.history.at(-1)!.title).toBe("Run Deploy with Approval");
    expect(renderText(approvalMsg.history[0]!)).toContain("With app=grafana limit=docker01");
    expect(renderText(approvalMsg.history[0]!)).toContain("Anyone with the operator role may decide, except otto, who launched it.");
    const approve = approvalMsg.history[0]!.buttons!.find((b) => b.label === "Approve")!;
    const own = await dispatchAction(h.labops.ack, { actionId: approve.id, actor: OPERATOR, channel: APPROVALS, requestId: randomUUID() });
    expect(own.reply?.lines).toEqual(["You launched this workflow, so someone else must decide its approval."]);
    await dispatchAction(h.labops.ack, { actionId: approve.id, actor: APPROVER, channel: APPROVALS, requestId: randomUUID() });
    const done = await h.notifier.final(ack.jobId!, 20_000);
    expect(done).toMatchObject({ state: "success", title: "Run Deploy with Approval: successful" });
    expect(done.lines).toContain("Master Deploy: successful");
    expect(h.lab.aap.http.count("POST", /workflow_job_templates\/\d+\/launch\/$/) - before).toBe(1);
    const wf = Number(/^Workflow job (\d+)\./.exec(done.lines![0]!)![1]);
    const node = h.lab.aap.workflowJob(wf)!.nodes.find((n) => n.identifier === "deploy")!;
    expect(h.lab.aap.job(node.jobId!)).toMatchObject({ templateName: "Master Deploy", status: "successful", limit: "docker01", extraVars: { app: "grafana" } });
    const audit = await h.labops.ack.audit.recent({ limit: 50 });
    expect(audit.some((e) => e.event === "command" && e.command === "run" && e.actor === `slack:${OPERATOR.id}`)).toBe(true);
    expect(audit.some((e) => e.event === "approval" && e.actor === `slack:${APPROVER.id}`)).toBe(true);
  });

  it("refuses what the settings do not allow, at acknowledgement, before anything is queued", async () => {
    const refusals = [
      ['/labops run "Cleanup OCP Folders"', "is not a template labops may run"],
      ['/labops run "Deploy with Approval" --var become=true', "takes no variable `become`"],
      ['/labops run "Deploy with Approval" --var app={{lookup(\'pipe\',\'id\')}}', "no spaces, quotes or templated text"],
      ['/labops run "Deploy with Approval" --var app=grafana --host docker*', "must be one host name"],
      ['/labops run "Setup AAP (Seeder)"', "needs the admin role"],
    ] as const;
    for (const [line, why] of refusals) {
      const r = await h.run(line, OPERATOR);
      expect(r.state, line).toBe("failure");
      expect(r.jobId, line).toBeUndefined();
      expect(r.lines?.join(" "), line).toContain(why);
    }
    expect((await h.run('/labops run "Deploy with Approval" --var app=grafana', VIEWER)).lines?.join(" ")).toContain("needs the operator role");
  });

  it("the worker checks again: a queued run of a template the settings no longer allow launches nothing", async () => {
    const before = h.lab.aap.http.count("POST", /launch\/$/);
    const { jobId } = await h.labops.queue.enqueue("aap.run", {
      command: "run", args: { template: "Cleanup OCP Folders", vars: {} }, actor: OPERATOR, channel: h.channel, requestId: randomUUID(),
      lockKey: "template:Cleanup OCP Folders", requires: "admin", enqueuedAt: Date.now(),
    });
    expect((await h.notifier.final(jobId)).lines?.join(" ")).toContain("is not a template labops may run");
    expect(h.lab.aap.http.count("POST", /launch\/$/)).toBe(before);
  });
});
