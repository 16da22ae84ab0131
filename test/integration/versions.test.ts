import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderText } from "../../src/core/message.ts";
import { readinessChecks, readinessVersions } from "../../src/readiness-checks.ts";
import { waitUntil } from "../helpers/fault-timing.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

describe("an unsupported backend version is named, in /status and /readyz, without a backend call on either", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ lab: { profile: "awx-24", aap: { product: { name: "AWX", version: "21.14.0" } } } });
  });
  afterAll(async () => {
    await h.close();
  });

  it("detects in the background, then /status and /readyz say which version and what is supported", async () => {
    await waitUntil(async () => (await h.labops.versions.read()).aap, 15_000);
    const before = h.lab.aap.http.requests.length;
    const status = renderText(await h.run("/status"));
    expect(status).toContain("version aap: AWX 21.14.0 — NOT SUPPORTED: AWX 21.14.0 is not supported: labops supports AWX 23–24");
    expect(h.lab.aap.http.requests.length).toBe(before); // /status read the cache, not AAP
    const versions = await readinessVersions(h.labops)();
    expect(versions.aap).toMatchObject({ version: "AWX 21.14.0", supported: false });
    await expect(readinessChecks(h.labops).aap!(AbortSignal.timeout(5_000))).rejects.toThrow(/AWX 21.14.0 is not supported/);
    expect(h.logs.lines.some((l) => l.includes('"system":"aap"') && l.includes("is not supported"))).toBe(true);
  });
});
