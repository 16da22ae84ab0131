import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDiscordHarness, type DiscordHarness } from "../helpers/discord-harness.ts";

const TEMPLATE = "Create Backup Job";
const PASSWORD = "hunter2-Discord-Pw";

/** A surveyed template through the real discord.js and the fake Discord: the survey as a modal (type 9), MODAL_SUBMIT. */
describe("Discord: /labops run of a surveyed template shows its survey as a modal", () => {
  let d: DiscordHarness;
  beforeAll(async () => {
    d = await createDiscordHarness({ harness: { tweak: (c) => {
      c.run.templates = { [TEMPLATE]: { kind: "job", role: "operator", vars: [], limit: false } };
      c.surveySecretKey = randomBytes(32);
    } } });
    await d.h.labops.surveys.refresh();
  });
  afterAll(async () => {
    await d?.close();
  });

  it("answers the command with the modal, refuses bad answers privately, and runs once on a valid submission", async () => {
    const as = { user: "olga", roles: [d.operators] };
    const before = d.h.lab.aap.launches().length;
    const shown = await d.fake.slash("labops run", { template: TEMPLATE }, as);
    expect(shown.callback.type).toBe(9);
    const inputs = (shown.callback.data!.components as { components: Record<string, unknown>[] }[]).map((r) => r.components[0]!);
    expect(inputs.map((c) => c.custom_id)).toEqual(["backup_host", "backup_retention", "backup_password"]);
    expect(inputs[0]).toMatchObject({ type: 4, label: "Host", required: true, placeholder: "one of docker01, docker02, edge01, nautobot01" });
    expect(inputs[1]).toMatchObject({ required: false, value: "14" });
    expect(inputs[2]).toMatchObject({ required: true, min_length: 8, max_length: 128 });

    const refused = await d.fake.submitModal(shown.id, { backup_host: "pve01", backup_retention: "0", backup_password: PASSWORD }, as);
    expect(refused.callback.type).toBe(4);
    expect(Number(refused.callback.data!.flags) & 64).toBe(64);
    expect(JSON.stringify(refused.callback.data)).toContain("`pve01` is not offered");
    expect(JSON.stringify(refused.callback.data)).not.toContain(PASSWORD);
    expect(d.h.lab.aap.launches().length).toBe(before);

    const again = await d.fake.slash("labops run", { template: TEMPLATE }, as);
    const ok = await d.fake.submitModal(again.id, { backup_host: "edge01", backup_retention: "60", backup_password: PASSWORD }, as);
    expect(ok.callback.type).toBe(5);
    await expect.poll(() => d.h.lab.aap.launches().length - before, { timeout: 10_000 }).toBe(1);
    expect(d.h.lab.aap.launches().at(-1)!.extraVars).toEqual({ backup_host: "edge01", backup_retention: 60, backup_password: PASSWORD });
    await expect.poll(() => d.h.lab.aap.job(d.h.lab.aap.launches().at(-1)!.jobId)?.status, { timeout: 10_000 }).toBe("successful");
    expect(d.h.logs.lines.join("\n")).not.toContain(PASSWORD);
  });
});
