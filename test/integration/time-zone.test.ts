import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { formatTime } from "../../src/core/format.ts";
import { renderText } from "../../src/core/message.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

describe("the timeZone setting: every time labops shows, with its zone", () => {
  it("is an IANA name checked when the settings are read, UTC by default", () => {
    const files: Record<string, string> = { "/tz.yaml": "timeZone: Europe/Berlin\n", "/bad.yaml": "timeZone: Mars/Olympus\n" };
    const read = (p: string) => files[p] ?? "";
    expect(loadConfig({ LABOPS_CONFIG: "/dev/null" }).timeZone).toBe("UTC");
    expect(loadConfig({ LABOPS_CONFIG: "/tz.yaml" }, read).timeZone).toBe("Europe/Berlin");
    expect(() => loadConfig({ LABOPS_CONFIG: "/bad.yaml" }, read)).toThrow(/timeZone: must be an IANA time zone name/);
  });

  it("formats in the zone, summer and winter time included", () => {
    const winter = Date.UTC(2026, 11, 4, 2, 10, 33);
    const summer = Date.UTC(2026, 6, 4, 2, 10, 33);
    expect(formatTime(winter)).toBe("2026-12-04 02:10:33 UTC");
    expect(formatTime(winter, "Europe/Berlin")).toBe("2026-12-04 03:10:33 Europe/Berlin");
    expect(formatTime(summer, "Europe/Berlin")).toBe("2026-07-04 04:10:33 Europe/Berlin");
    expect(formatTime(winter, "America/New_York", { minutes: true })).toBe("2026-12-03 21:10 America/New_York");
    expect(formatTime(winter, "Asia/Kolkata", { clock: true })).toBe("07:40:33 Asia/Kolkata");
  });

  describe("through the commands", () => {
    let h: Harness;
    beforeAll(async () => {
      h = await createHarness({ tweak: (c) => (c.timeZone = "Asia/Tokyo"), lab: { stepMs: 5 } });
    });
    afterAll(() => h?.close());

    const stamp = /\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} Asia\/Tokyo/;

    it("/history and /job show times in the zone, named", async () => {
      const ack = await h.run("/deploy traefik --check");
      await h.notifier.final(ack.jobId!);
      const history = renderText(await h.run("/history traefik"));
      expect(history).toMatch(stamp);
      expect(history).not.toContain(" UTC");
      const job = renderText(await h.run(`/job ${ack.jobId}`));
      expect(job).toMatch(new RegExp(`queued ${stamp.source}`));
      expect(job).toMatch(new RegExp(`finished ${stamp.source}`));
    });

    it("a schedule without --tz runs in the setting's zone, and lists its next run in it", async () => {
      const ack = await h.run('/labops schedule add "0 3 * * *" sync all');
      const done = await h.notifier.final(ack.jobId!);
      expect(renderText(done)).toContain("runs `0 3 * * *` (Asia/Tokyo)");
      expect(renderText(done)).toMatch(/Next run: \d{4}-\d{2}-\d{2} 03:00:00 Asia\/Tokyo/);
      const explicit = await h.run('/labops schedule add "0 3 * * *" --tz UTC sync all');
      expect(renderText(await h.notifier.final(explicit.jobId!))).toContain("(UTC)");
      const list = await h.run("/labops schedule list");
      const text = renderText(list.jobId ? await h.notifier.final(list.jobId) : list);
      expect(text).toMatch(/`0 3 \* \* \*` Asia\/Tokyo .* next \d{4}-\d{2}-\d{2} 03:00:00 Asia\/Tokyo/);
      expect(text).toMatch(/`0 3 \* \* \*` UTC .* next \d{4}-\d{2}-\d{2} 12:00:00 Asia\/Tokyo/);
    });
  });
});
