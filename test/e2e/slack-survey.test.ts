import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretBox } from "../../src/core/secret-box.ts";
import { createSlackHarness, headerOf, type SlackHarness } from "../helpers/slack-harness.ts";

const TEMPLATE = "Create Backup Job";
const PASSWORD = "hunter2-Slack-Pw";

/** A surveyed template through the real Bolt and the fake Slack: the survey as a modal, errors per input. */
describe("Slack: /labops run of a surveyed template opens its survey as a modal", () => {
  let h: SlackHarness;
  beforeAll(async () => {
    h = await createSlackHarness({ stepMs: 10 });
    const key = randomBytes(32);
    Object.assign(h.config.run.templates, { [TEMPLATE]: { kind: "job", role: "operator", vars: [], limit: false } });
    h.config.surveySecretKey = key;
    h.labops.ack.secretBox = new SecretBox(key);
    await h.labops.surveys.refresh();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("opens the modal with the command's trigger, shows errors under each input, and runs once on a valid submission", async () => {
    const before = h.lab.aap.launches().length;
    const ack = await h.slack.slash("/labops", `run "${TEMPLATE}" --var backup_host=docker01`, { user: "U0ALICE" });
    expect(ack.payload.text ?? "").toBe("");
    const view = h.slack.lastView("U0ALICE")!;
    expect(view.open).toBe(true);
    const blocks = view.view.blocks as { type: string; block_id?: string; optional?: boolean; element?: Record<string, unknown> }[];
    const inputs = blocks.filter((b) => b.type === "input");
    // backup_host was answered on the command line; the rest is asked, with the retention's default filled in.
    expect(inputs.map((b) => b.block_id)).toEqual(["q:backup_retention", "q:backup_password"]);
    expect(inputs[0]!.element).toMatchObject({ type: "number_input", is_decimal_allowed: false, min_value: "1", max_value: "90", initial_value: "14" });
    expect(inputs[1]).toMatchObject({ optional: false, element: { type: "plain_text_input", min_length: 8, max_length: 128 } });
    expect(view.view.private_metadata).not.toContain("backup_password");

    const refused = await h.slack.submitView(view.id, { "q:backup_retention": "120", "q:backup_password": "{{ lookup('env','HOME') }}" });
    expect(refused.payload.response_action).toBe("errors");
    expect(h.slack.view(view.id)!.open).toBe(true);
    expect(h.slack.view(view.id)!.errors).toEqual({
      "q:backup_retention": "Retention (days) (backup_retention) must be a whole number from 1 to 90 (120 is outside).",
      "q:backup_password": "Repository password (backup_password) may not hold templated text ({{ }}, {% %}).",
    });
    expect(h.lab.aap.launches().length).toBe(before);

    const ok = await h.slack.submitView(view.id, { "q:backup_retention": "21", "q:backup_password": PASSWORD });
    expect(ok.payload.response_action).toBeUndefined();
    expect(h.slack.view(view.id)!.open).toBe(false);
    const queued = await h.slack.waitFor(() => h.slack.ephemerals.find((e) => headerOf(e.blocks).includes("queued as job")), 5_000, "the queued acknowledgement");
    const jobId = /job `([^`]+)`/.exec(headerOf(queued.blocks))![1]!;
    const final = await h.final(jobId);
    expect(final.text).toMatch(/^✅ Run Create Backup Job: successful/);
    expect(h.lab.aap.launches().length - before).toBe(1);
    expect(h.lab.aap.launches().at(-1)!.extraVars).toEqual({ backup_host: "docker01", backup_retention: 21, backup_password: PASSWORD });
    expect(JSON.stringify(h.slack.messages())).not.toContain(PASSWORD);
    expect(h.logs.lines.join("\n")).not.toContain(PASSWORD);
  });

  it("a trigger_id opens one modal, once: Slack refuses it a second time, and a view over Slack's limits", async () => {
    const call = h.slack.calls.filter((c) => c.method === "views.open" && c.ok).at(-1)!;
    const open = async (args: Record<string, unknown>) => (await (await fetch(new URL("views.open", h.config.slack!.apiUrl!.replace(/\/?$/, "/")), {
      method: "POST", headers: { authorization: `Bearer ${h.slack.botToken}`, "content-type": "application/json" }, body: JSON.stringify(args),
    })).json()) as Record<string, unknown>;
    expect(await open({ trigger_id: call.args.trigger_id, view: call.args.view })).toMatchObject({ ok: false, error: "exchanged_trigger_id" });
    expect(await open({ trigger_id: "1.2.nope", view: call.args.view })).toMatchObject({ ok: false, error: "invalid_trigger_id" });
    await h.slack.slash("/labops", `run "${TEMPLATE}"`, { user: "U0ALICE" });
    const fresh = h.slack.calls.filter((c) => c.method === "views.open" && c.ok).at(-1)!;
    expect(fresh.args.trigger_id).not.toBe(call.args.trigger_id);
    const long = { ...(fresh.args.view as Record<string, unknown>), title: { type: "plain_text", text: "x".repeat(25) } };
    expect(await open({ trigger_id: "1.2.nope", view: long })).toMatchObject({ ok: false, error: "invalid_trigger_id" });
  });
});
