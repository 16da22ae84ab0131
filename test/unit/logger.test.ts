import { describe, expect, it } from "vitest";
import { createLogger, scrub } from "../../src/logger.ts";
import { LogCapture } from "../helpers/harness.ts";

describe("logger", () => {
  it("redacts secret fields and scrubs secret values wherever they appear", async () => {
    const out = new LogCapture();
    const log = createLogger({ secrets: ["canary-token-123456"], destination: out });
    log.info({ token: "anything", headers: { authorization: "Bearer x" } }, "fields");
    log.error({ err: { message: "upstream said canary-token-123456 is bad" } }, "value in a message");
    log.info({ nested: { text: 'json "canary-token-123456"' } }, "escaped");
    await new Promise((r) => setTimeout(r, 20));
    const text = out.lines.join("\n");
    expect(out.lines).toHaveLength(3);
    expect(text).not.toContain("canary-token-123456");
    expect(text).not.toContain("Bearer x");
    expect(text).toContain("[redacted]");
  });

  it("scrub replaces every occurrence", () => {
    expect(scrub("a SECRET b SECRET", ["SECRET"])).toBe("a [redacted] b [redacted]");
  });
});
