import { describe, expect, it } from "vitest";
import { ButtonSigner, sameSecret } from "../../src/bot/mattermost/button-context.ts";
import { LIMITS, renderPost, renderText } from "../../src/bot/mattermost/mattermost-render.ts";
import type { Message } from "../../src/core/message.ts";

const CH = "fu55xj738bmhxg9ozi5hepr61u";
const signer = new ButtonSigner("bot-token-one");
const opts = { actionsUrl: "http://labops:3000/mattermost/actions", context: (id: string) => signer.context(CH, id) };

describe("Mattermost rendering", () => {
  it("title, lines, fields, footer and buttons; *bold* as **bold**, command output as a code block, no mention anywhere", () => {
    const msg: Message = {
      title: "Deploy @channel", state: "running", lines: ["by *olga* `keep *this*`", "  $ docker compose up @here", "  ```"],
      fields: [{ label: "Host", value: "docker02" }], footer: "asked by @all", link: { label: "AAP job [1]", url: "javascript:alert(1)" },
      buttons: [{ id: "act:AAAAAAAAAAAAAAAAAAAAAA", label: "Confirm", style: "danger" }, { id: "act:BBBBBBBBBBBBBBBBBBBBBB", label: "Cancel" }],
    };
    const post = renderPost(msg, opts);
    expect(post.message.split("\n")).toEqual([
      "#### 🔄 Deploy @\u200dchannel", "by **olga** `keep *this*`", "```", "$ docker compose up @\u200dhere", "ˋˋˋ", "```", "🔗 [AAP job 1](#)",
    ]);
    const [a] = post.props.attachments;
    expect(a).toMatchObject({ color: "#3498db", fields: [{ title: "Host", value: "docker02", short: true }], footer: "asked by @\u200dall" });
    expect(a!.actions!.map((x) => [x.id, x.name, x.style])).toEqual([["labops0", "Confirm", "danger"], ["labops1", "Cancel", "default"]]);
    expect(a!.actions![0]!.integration).toEqual({ url: opts.actionsUrl, context: signer.context(CH, "act:AAAAAAAAAAAAAAAAAAAAAA") });
    expect(JSON.stringify(post)).not.toMatch(/@(channel|here|all)/);
    expect(renderText(msg)).toContain("**Host:** docker02");
  });

  it("cuts an over-long message inside Mattermost's limit and closes a code block the cut left open", () => {
    const post = renderPost({ title: "log", state: "failure", lines: Array.from({ length: 3000 }, (_, i) => `  line ${i} ${"x".repeat(20)}`) }, opts);
    expect(post.message.length).toBeLessThanOrEqual(LIMITS.message);
    expect((post.message.match(/```/g)?.length ?? 0) % 2).toBe(0);
    expect(post.props.attachments).toEqual([]);
  });
});

describe("Mattermost button context", () => {
  it("verifies only labops' own signature, for the channel it was made for, with the same bot token", () => {
    const ctx = signer.context(CH, "act:AAAAAAAAAAAAAAAAAAAAAA");
    expect(signer.verify(CH, ctx)).toBe("act:AAAAAAAAAAAAAAAAAAAAAA");
    expect(new ButtonSigner("bot-token-one").verify(CH, ctx)).toBe("act:AAAAAAAAAAAAAAAAAAAAAA");
    expect(new ButtonSigner("bot-token-two").verify(CH, ctx)).toBeUndefined();
    expect(signer.verify("aaaaaaaaaaaaaaaaaaaaaaaaaa", ctx)).toBeUndefined();
    expect(signer.verify(CH, { ...ctx, a: "act:BBBBBBBBBBBBBBBBBBBBBB" })).toBeUndefined();
    for (const bad of [undefined, null, "act:x", { a: ctx.a }, { a: ctx.a, s: 5 }, { a: ctx.a, s: `${ctx.s}x` }, { a: "x".repeat(101), s: ctx.s }]) {
      expect(signer.verify(CH, bad)).toBeUndefined();
    }
  });

  it("compares secrets of any length without throwing", () => {
    expect(sameSecret("abc", "abc")).toBe(true);
    expect(sameSecret("abc", "abcd")).toBe(false);
    expect(sameSecret("abc", "")).toBe(false);
  });
});
