import { describe, expect, it } from "vitest";
import { LIMITS, renderBlocks, toSlackMessage } from "../../src/bot/slack/block-kit.ts";
import type { Message } from "../../src/core/message.ts";
import { validBlocks } from "../../lab/slack/fake-slack.ts";

type B = { type: string; text?: { type: string; text: string }; fields?: { text: string }[]; elements?: Record<string, unknown>[] };

describe("Message → Block Kit", () => {
  it("renders header with the state emoji, lines, fields, link, footer and buttons", () => {
    const msg: Message = {
      title: "Deploy traefik → edge01: successful", state: "success", lines: ["AAP job 42 successful", "a <b> & c"],
      fields: [{ label: "Host", value: "edge01" }], link: { label: "AAP job | 42", url: "https://aap.lab/#/jobs/42" }, footer: "job abc",
      buttons: [{ id: "act:aaaaaaaaaaaa", label: "Purge", style: "danger" }, { id: "act:bbbbbbbbbbbb", label: "Keep", style: "primary" }, { id: "act:cccccccccccc", label: "Later" }],
    };
    const blocks = renderBlocks(msg) as B[];
    expect(blocks.map((b) => b.type)).toEqual(["header", "section", "section", "section", "context", "actions"]);
    expect(blocks[0]!.text).toEqual({ type: "plain_text", text: "✅ Deploy traefik → edge01: successful", emoji: true });
    expect(blocks[1]!.text!.text).toBe("AAP job 42 successful\na &lt;b&gt; &amp; c");
    expect(blocks[2]!.fields![0]!.text).toBe("*Host*\nedge01");
    expect(blocks[3]!.text!.text).toBe("<https://aap.lab/#/jobs/42|AAP job / 42>");
    const [danger, primary, plain] = blocks[5]!.elements!;
    expect(danger).toMatchObject({ type: "button", action_id: "act:aaaaaaaaaaaa", style: "danger", confirm: { style: "danger", confirm: { text: "Purge" } } });
    expect(primary).toMatchObject({ style: "primary" });
    expect(primary!.confirm).toBeUndefined();
    expect(plain!.style).toBeUndefined();
    expect(validBlocks(blocks)).toBe(true);
    expect(toSlackMessage(msg).text).toContain("✅ Deploy traefik");
  });

  it("splits long output into 3000-character sections and never exceeds 50 blocks, keeping footer and buttons", () => {
    const lines = Array.from({ length: 400 }, (_, i) => `${String(i).padStart(4, "0")} ${"x".repeat(500)}`);
    const msg: Message = { title: "t".repeat(300), state: "failure", lines, fields: Array.from({ length: 25 }, (_, i) => ({ label: `f${i}`, value: "v".repeat(2500) })), footer: "ref 1", buttons: [{ id: "act:retry0000000", label: "Retry" }] };
    const blocks = renderBlocks(msg) as B[];
    expect(blocks.length).toBeLessThanOrEqual(LIMITS.blocks);
    expect(blocks[0]!.text!.text.length).toBeLessThanOrEqual(150);
    for (const b of blocks) {
      if (b.text) expect(b.text.text.length).toBeLessThanOrEqual(3000);
      for (const f of b.fields ?? []) expect(f.text.length).toBeLessThanOrEqual(2000);
      expect((b.fields ?? []).length).toBeLessThanOrEqual(10);
    }
    expect(blocks.at(-1)!.type).toBe("actions");
    expect(blocks.at(-2)!.type).toBe("context");
    expect(blocks.some((b) => b.type === "context" && String(b.elements![0]!.text).includes("shortened"))).toBe(true);
    expect(blocks.filter((b) => b.fields).length).toBe(3); // 25 fields → 10 + 10 + 5
    expect(validBlocks(blocks)).toBe(true);
    expect(toSlackMessage(msg).text.length).toBeLessThanOrEqual(LIMITS.fallbackText);
  });

  it("renders a bare message as a header alone, and never splits a surrogate pair when truncating", () => {
    expect(renderBlocks({ title: "Queued", state: "queued" })).toEqual([{ type: "header", text: { type: "plain_text", text: "⏳ Queued", emoji: true } }]);
    const header = (renderBlocks({ title: "😀".repeat(100), state: "info" }) as B[])[0]!.text!.text;
    expect(header.length).toBeLessThanOrEqual(150);
    expect(header.endsWith("…")).toBe(true);
    expect(/[\uD800-\uDBFF]…$/.test(header)).toBe(false);
  });
});
