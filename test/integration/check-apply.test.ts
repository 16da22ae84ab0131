import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const grant = (id: string) => ({ role: "operator" as const, slackUsers: [id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
const ASKER: Actor = { platform: "slack", id: "U0OTTO", name: "otto", groups: [] };
const OTHER: Actor = { platform: "slack", id: "U0OLGA", name: "olga", groups: [] };

/** /deploy --check with diff mode shows the plan; Apply (bound to the asker) runs it for real unless the plan went stale. */
describe("/deploy <app> --check, then Apply", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ tweak: (c) => c.permissions.grants.push(grant(ASKER.id), grant(OTHER.id)) });
  });
  afterAll(async () => {
    await h?.close();
  });

  const click = (msg: Message, actor: Actor) =>
    dispatchAction(h.labops.ack, { actionId: msg.buttons!.find((b) => b.label === "Apply")!.id, actor, channel: h.channel, requestId: randomUUID() });
  const check = async (app: string) => {
    const ack = await h.run(`/deploy ${app} --check`, ASKER);
    return h.notifier.final(ack.jobId!);
  };

  it("shows per host the tasks that would change with their diffs; Apply by the asker launches the same deploy for real, once", async () => {
    const plan = await check("grafana");
    expect(plan.title).toMatch(/^Deploy grafana → docker01 \(check mode\): plan ready$/);
    const checkLaunch = h.lab.aap.launches().at(-1)!;
    expect(checkLaunch).toMatchObject({ jobType: "check", diffMode: true, limit: "docker01" });
    const text = renderText(plan);
    expect(text).toMatch(/\*docker01\*: \d+ tasks would change/);
    expect(text).toContain("• docker_app : Pull image");
    expect(text).toMatch(/`\+ image: "grafana\/grafana:/);
    expect(text).toContain("Only otto can apply");
    expect(plan.link?.label).toBe(`AAP job ${checkLaunch.jobId}`);

    const foreign = await click(plan, OTHER);
    expect(foreign.reply?.lines?.join(" ")).toContain("Only otto can use this button");
    const before = h.lab.aap.launches().length;
    const applied = await click(plan, ASKER);
    const done = await h.notifier.final(applied.reply!.jobId!, 20_000);
    expect(done).toMatchObject({ state: "success", title: "Deploy grafana → docker01: successful" });
    const real = h.lab.aap.launches().slice(before);
    expect(real).toHaveLength(1);
    expect(real[0]).toMatchObject({ jobType: "run", diffMode: false, limit: "docker01", extraVars: { app: "grafana", target_host: "docker01" } });
    expect((await click(plan, ASKER)).reply?.lines?.join(" ")).toContain("expired or was already used");
  });

  it("Apply after the project's revision moved says the plan is stale and launches nothing", async () => {
    const plan = await check("grafana");
    const aap = h.labops.clients.aap!;
    const project = await aap.findProject("HomeLab Ops");
    const { updateId } = await aap.updateProject(project.id);
    for (let i = 0; i < 200 && (await aap.getProjectUpdate(updateId)).status !== "successful"; i++) await new Promise((r) => setTimeout(r, 20));
    const before = h.lab.aap.launches().length;
    const applied = await click(plan, ASKER);
    const done = await h.notifier.final(applied.reply!.jobId!, 20_000);
    expect(done.state).toBe("failure");
    expect(renderText(done)).toMatch(/The plan of AAP job \d+ is stale: the project's revision moved from `\w+` to `\w+` since the check\. Nothing was launched/);
    expect(h.lab.aap.launches().length).toBe(before);
  });
});
