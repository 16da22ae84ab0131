import { describe, expect, it } from "vitest";
import { renderPost } from "../../src/bot/mattermost/mattermost-render.ts";
import { renderEmbed } from "../../src/bot/discord/embeds.ts";
import { renderBlocks } from "../../src/bot/slack/block-kit.ts";
import { renderText } from "../../src/core/message.ts";
import { Steps } from "../../src/core/steps.ts";

describe("Steps: one keyed model, drawn by each front end", () => {
  it("named steps are rewritten in place by key; sequential steps replace the running one", () => {
    const named = Steps.of(["Nautobot Git sync", "AAP project update"]).set("Nautobot Git sync", "done", "synced").set("AAP project update", "running");
    expect(named.list().map((s) => [s.key, s.state, s.detail])).toEqual([["Nautobot Git sync", "done", "synced"], ["AAP project update", "running", undefined]]);
    const seq = new Steps().running("Creating LXC…").done("LXC 105 created").running("Starting").detail("Starting: 2/3").warn("no Nautobot record");
    expect(seq.list().map((s) => [s.state, s.label])).toEqual([["done", "LXC 105 created"], ["warning", "no Nautobot record"]]);
    // A keyed step keeps its label when only its state changes.
    expect(new Steps().set("snap", "running", undefined, "Snapshot…").set("snap", "done", undefined, "Snapshot taken").list()).toEqual([{ key: "snap", label: "Snapshot taken", state: "done" }]);
  });

  it("the terminal, Slack, Discord and Mattermost each draw the steps before the lines, with no emoji in the data", () => {
    const msg = new Steps().done("Entry valid").warn("sync: @channel error").message("Add app x", "success", { lines: ["Deploy it with `/deploy x`."] });
    expect(JSON.stringify(msg.steps)).not.toMatch(/✅|⚠️/);
    expect(renderText(msg).split("\n")).toEqual(["✅ Add app x", "  ✅ Entry valid", "  ⚠️ sync: @channel error", "  Deploy it with `/deploy x`."]);
    expect(JSON.stringify(renderBlocks(msg))).toMatch(/✅ Entry valid.*⚠️ sync: @channel error.*Deploy it with/);
    expect(renderEmbed(msg).description).toMatch(/^✅ \*\*Entry valid\*\*\n⚠️ \*\*sync: @channel error\*\*\nDeploy it with/);
    const post = renderPost(msg, { actionsUrl: "http://x", context: () => ({ a: "", s: "" }) });
    expect(post.message.split("\n").slice(1)).toEqual(["✅ **Entry valid**", "⚠️ **sync: @\u200dchannel error**", "Deploy it with `/deploy x`."]);
  });
});
