import { describe, expect, it } from "vitest";
import { LIMITS, renderButtons, renderMessage, STATE_COLOURS } from "../../src/bot/discord/embeds.ts";
import { validateMessageBody } from "../../lab/discord/objects.ts";

describe("Discord embeds", () => {
  it("renders title with the state emoji, colour per state, lines, fields, link and footer", () => {
    const body = renderMessage({
      title: "Deploy traefik", state: "success", lines: ["AAP job *42* `ok`", "last lines of output:", "  PLAY RECAP", "  edge01 : ok=3"],
      fields: [{ label: "Host", value: "edge01" }], link: { label: "AAP job 42", url: "https://aap.example/#/jobs/playbook/42" }, footer: "by alice",
    });
    const e = body.embeds[0]!;
    expect(e.title).toBe("✅ Deploy traefik");
    expect(e.color).toBe(0x2ecc71);
    expect(e.description).toBe("AAP job **42** `ok`\nlast lines of output:\n```\nPLAY RECAP\nedge01 : ok=3\n```\n🔗 [AAP job 42](https://aap.example/#/jobs/playbook/42)");
    expect(e.url).toBe("https://aap.example/#/jobs/playbook/42");
    expect(e.fields).toEqual([{ name: "Host", value: "edge01", inline: true }]);
    expect(e.footer).toEqual({ text: "by alice" });
    expect(body.components).toEqual([]);
    expect(body.allowed_mentions).toEqual({ parse: [] });
  });

  it("gives each state its colour: success green, failure red, running blue, queued and waiting grey, warning amber", () => {
    const colour = (state: Parameters<typeof renderMessage>[0]["state"]) => renderMessage({ title: "x", state }).embeds[0]!.color;
    expect([colour("success"), colour("failure"), colour("running"), colour("queued"), colour("waiting"), colour("warning")])
      .toEqual([0x2ecc71, 0xe74c3c, 0x3498db, 0x95a5a6, 0x95a5a6, 0xf1c40f]);
    expect(new Set(Object.values(STATE_COLOURS)).size).toBeGreaterThanOrEqual(6);
  });

  it("keeps within Discord's limits: 4096 description, 25 fields, 6000 in all, rows of 5 buttons", () => {
    const body = renderMessage({
      title: "t".repeat(300), state: "failure",
      lines: ["output:", ...Array.from({ length: 400 }, (_, i) => `  line ${i} ${"x".repeat(20)}`)],
      fields: Array.from({ length: 30 }, (_, i) => ({ label: `f${i}`, value: "v".repeat(200) })),
      buttons: Array.from({ length: 12 }, (_, i) => ({ id: `act:${"a".repeat(20)}${i}`, label: `B${i}`, style: i === 0 ? "danger" as const : undefined })),
    });
    const e = body.embeds[0]!;
    expect(e.title!.length).toBeLessThanOrEqual(LIMITS.title);
    expect(e.description!.length).toBeLessThanOrEqual(LIMITS.description);
    expect((e.description!.match(/```/g) ?? []).length % 2).toBe(0); // a cut code block is closed
    expect(e.fields!.length).toBeLessThanOrEqual(25);
    expect(body.components.map((r) => r.components.length)).toEqual([5, 5, 2]);
    expect(body.components[0]!.components[0]).toMatchObject({ type: 2, style: 4, label: "B0" });
    expect(body.components[0]!.components[1]).toMatchObject({ style: 2 });
    expect(validateMessageBody(body as never).count).toBe(0); // the fake Discord accepts it
  });

  it("drops buttons whose id is longer than 100 characters and styles primary buttons", () => {
    const rows = renderButtons([{ id: "x".repeat(101), label: "long" }, { id: "act:ok", label: "Go", style: "primary" }]);
    expect(rows).toEqual([{ type: 1, components: [{ type: 2, custom_id: "act:ok", label: "Go", style: 1 }] }]);
  });
});
