import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction } from "../../src/core/dispatch.ts";
import { renderText, type Message } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";
import { button, runPreview } from "./cleanup-helpers.ts";

const grant = (role: "viewer" | "operator" | "admin", id: string) => ({ role, slackUsers: [id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
const ASKER: Actor = { platform: "slack", id: "U0ANNA", name: "anna", groups: [] };
const SECOND: Actor = { platform: "slack", id: "U0BEN", name: "ben", groups: [] };
const OPERATOR: Actor = { platform: "slack", id: "U0OTTO", name: "otto", groups: [] };

/** The two-person rule: one mechanism for /cleanup-ocp (a preview made on the worker) and /runner destroy, /labops app remove (confirmations at acknowledgement). */
describe("two-person rule (twoPerson.enabled)", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.permissions.grants.push(grant("admin", ASKER.id), grant("admin", SECOND.id), grant("operator", OPERATOR.id));
        c.twoPerson.enabled = true;
      },
    });
  });
  afterAll(async () => {
    await h?.close();
  });

  const click = (msg: Message, label: string, actor: Actor) => dispatchAction(h.labops.ack, { actionId: button(msg, label), actor, channel: h.channel, requestId: randomUUID() });

  it("/runner destroy: the asker cannot confirm, an operator cannot either, a second admin does; the audit trail names both", async () => {
    const ask = await h.run("/runner destroy runner-gone", ASKER);
    expect(renderText(ask)).toContain("Asked by anna. Two-person rule: someone other than anna with the admin role must confirm");
    const self = await click(ask, "Destroy", ASKER);
    expect(self.reply?.lines?.join(" ")).toContain("You asked for this, so you cannot confirm it");
    const op = await click(ask, "Destroy", OPERATOR);
    expect(op.reply?.lines?.join(" ")).toContain("needs the admin role");
    const ok = await click(ask, "Destroy", SECOND);
    expect(ok.update?.title).toBe("/runner destroy: confirmed by ben (asked by anna)");
    expect(ok.reply?.jobId).toBeDefined();
    const audit = await h.labops.ack.audit.recent({ limit: 20 });
    expect(audit.find((e) => e.event === "confirmed" && e.command === "runner destroy")).toMatchObject({ actor: `slack:${SECOND.id}`, detail: `requested by slack:${ASKER.id}` });
  });

  it("/labops app remove asks for a second person too, and the asker may still cancel", async () => {
    const ask = await h.run("/labops app remove grafana", ASKER);
    expect(renderText(ask)).toContain("someone other than anna with the admin role must confirm");
    const canceled = await click(ask, "Cancel", ASKER);
    expect(canceled.update?.state).toBe("canceled");
    expect(renderText((await click(ask, "Remove", SECOND)).reply!)).toContain("expired or was already used");
  });

  it("/cleanup-ocp: the preview says who asked and who may confirm; only someone else with the role can", async () => {
    const { msg } = await runPreview(h, "/cleanup-ocp", ASKER);
    expect(renderText(msg)).toContain("Asked by anna. Two-person rule: someone other than anna with the admin role must confirm");
    expect((await click(msg, "Confirm", ASKER)).reply?.lines?.join(" ")).toContain("You asked for this");
    const ok = await click(msg, "Confirm", SECOND);
    expect(ok.reply?.state).toBe("queued");
    await h.notifier.final(ok.reply!.jobId!, 20_000);
    const audit = await h.labops.ack.audit.recent({ limit: 30 });
    expect(audit.find((e) => e.event === "confirmed" && e.command === "cleanup-ocp")).toMatchObject({ actor: `slack:${SECOND.id}`, detail: `requested by slack:${ASKER.id}` });
  });

  it("off for commands the setting does not list, and off by default", async () => {
    h.config.twoPerson.commands = ["cleanup-ocp"];
    try {
      const ask = await h.run("/runner destroy runner-gone", ASKER);
      expect(renderText(ask)).toContain("Only anna can confirm");
      expect((await click(ask, "Destroy", SECOND)).reply?.lines?.join(" ")).toContain("Only anna can use this button");
    } finally {
      h.config.twoPerson.commands = ["cleanup-ocp", "app remove", "runner destroy"];
    }
  });
});
