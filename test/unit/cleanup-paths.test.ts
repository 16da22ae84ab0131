import { posix } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { cleanupSettings } from "../../src/cleanup/cleanup-settings.ts";
import { compileOcpPattern, folderNameProblem, isSafeFolderName } from "../../src/cleanup/folder-name.ts";
import { heldDatasetId, parseHeldId } from "../../src/cleanup/holding.ts";
import { checkCleanupSettings, childPath, entryProblem, isDirectChild, sharePathProblem } from "../../src/cleanup/share-path.ts";
import { loadConfig } from "../../src/config.ts";
import { UserError } from "../../src/errors.ts";
import { ESCAPE_CORPUS } from "./cleanup-escape-corpus.ts";

const SHARE = "/mnt/Media/docker-media";
const PATTERN = compileOcpPattern(loadConfig({ LABOPS_CONFIG: "/dev/null" }).truenasSettings.ocpPattern);

const GOOD = ["ocp-sno01-2025-03-14", "ocp-sno01-2025-06-02", "ocp-lab-2024-11-30", "ocp-a-b-c-2024-01-01", "ocp-x1-1999-12-31"];

/** Everything a safe name must satisfy, whatever later decodes, normalises or joins it. */
function assertSafe(name: string) {
  expect(name).toMatch(/^ocp-[a-z0-9-]+$/);
  expect(decodeURIComponent(name)).toBe(name);
  expect(name.normalize("NFKC")).toBe(name);
  const p = childPath(SHARE, name, PATTERN);
  expect(p).toBe(`${SHARE}/${name}`);
  expect(posix.normalize(p)).toBe(p);
  expect(posix.dirname(p)).toBe(SHARE);
  expect(posix.basename(p)).toBe(name);
  expect(posix.resolve(SHARE, name)).toBe(p);
}

describe("folder names", () => {
  it("accepts the OCP folders of the lab and nothing of the escape corpus", () => {
    for (const n of GOOD) {
      expect(folderNameProblem(n, PATTERN), n).toBeUndefined();
      assertSafe(n);
    }
    for (const n of ESCAPE_CORPUS) {
      expect(folderNameProblem(n, PATTERN), JSON.stringify(n)).toBeDefined();
      expect(() => childPath(SHARE, n, PATTERN)).toThrow(UserError);
    }
    expect(ESCAPE_CORPUS.length).toBeGreaterThanOrEqual(80);
  });

  it("says why a name is refused", () => {
    expect(folderNameProblem("..", PATTERN)).toBe("a relative path component");
    expect(folderNameProblem("a/b", PATTERN)).toBe("contains a path separator");
    expect(folderNameProblem("%2e%2e", PATTERN)).toBe("contains a percent-encoded escape");
    expect(folderNameProblem("ocp\u2010a-2024-01-01", PATTERN)).toContain("non-ASCII");
    expect(folderNameProblem("ocp-a-2024-01-01\n", PATTERN)).toBe("contains a control character");
    expect(folderNameProblem("traefik", PATTERN)).toContain("does not match");
    expect(folderNameProblem(42, PATTERN)).toBe("not a string");
  });

  it("property: 10,000 arbitrary strings — an accepted name is always a bare child of the share", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        if (isSafeFolderName(s, PATTERN)) assertSafe(s);
      }),
      { numRuns: 10_000 },
    );
  });

  it("property: 10,000 names built from OCP parts and escape fragments — any fragment means refusal", () => {
    const DANGER = ["..", "/", "\\", "\0", "%2e", "%2f", "%25", "%00", "\n", "\r", "\t", " ", "\u2010", "\u0455", "\uff4f", "\u200b", "\u202e", "\uff0f", "~", "$", "`", ";", "*"];
    const SAFE_PARTS = ["ocp-", "sno01", "lab", "-", "2025-03-14", "2024-11-30", "a", "0"];
    const name = fc.array(fc.constantFrom(...SAFE_PARTS, ...DANGER), { minLength: 1, maxLength: 8 }).map((parts) => parts.join(""));
    fc.assert(
      fc.property(name, (n) => {
        const ok = isSafeFolderName(n, PATTERN);
        if (DANGER.some((d) => n.includes(d))) expect(ok, JSON.stringify(n)).toBe(false);
        if (ok) assertSafe(n);
      }),
      { numRuns: 10_000 },
    );
  });

  it("only compiles anchored patterns", () => {
    expect(() => compileOcpPattern("ocp-")).toThrow(UserError);
    expect(() => compileOcpPattern("^ocp-")).toThrow(UserError);
    expect(() => compileOcpPattern("^ocp-\\$")).toThrow(UserError);
    expect(() => compileOcpPattern("^(ocp$")).toThrow(UserError);
    expect(compileOcpPattern("^ocp-[a-z]+$").test("ocp-a\n")).toBe(false);
  });
});

describe("share and entries", () => {
  it("checks the share path", () => {
    expect(sharePathProblem(SHARE)).toBeUndefined();
    for (const bad of ["/mnt/Media/../etc", "/mnt/Media/./x", "mnt/Media/x", "/etc/x", "/mnt/Media", "/mnt/Media/x/", "/mnt/Media/x y", "/mnt/Media/%2e%2e"]) {
      expect(sharePathProblem(bad), bad).toBeDefined();
    }
  });

  it("refuses a symlink, a non-directory, and any realpath but exactly <share>/<name>", () => {
    const n = "ocp-sno01-2025-03-14";
    expect(entryProblem(SHARE, n, { type: "DIRECTORY", realpath: `${SHARE}/${n}`, is_mountpoint: false })).toBeUndefined();
    expect(entryProblem(SHARE, n, { type: "SYMLINK", realpath: "/mnt/Media/backups/ocp-keep", is_mountpoint: false })).toContain("symlink");
    expect(entryProblem(SHARE, n, { type: "FILE", realpath: `${SHARE}/${n}`, is_mountpoint: false })).toContain("not a directory");
    expect(entryProblem(SHARE, n, { type: "DIRECTORY", realpath: "/mnt/Media/backups/ocp-keep", is_mountpoint: false })).toContain("resolves to");
    expect(entryProblem(SHARE, n, { type: "DIRECTORY", realpath: `${SHARE}/${n}/`, is_mountpoint: false })).toContain("resolves to");
    expect(isDirectChild(SHARE, { name: n, path: `${SHARE}/x/${n}` })).toBe(false);
  });

  it("property: entryProblem accepts a realpath only when it is exactly <share>/<name>", () => {
    fc.assert(
      fc.property(fc.constantFrom(...GOOD), fc.oneof(fc.string({ maxLength: 60 }), fc.constantFrom(...GOOD.map((g) => `${SHARE}/${g}`))), fc.constantFrom("DIRECTORY", "FILE", "SYMLINK", "OTHER" as const), (n, realpath, type) => {
        const ok = entryProblem(SHARE, n, { type, realpath, is_mountpoint: false }) === undefined;
        expect(ok).toBe(type === "DIRECTORY" && realpath === `${SHARE}/${n}`);
      }),
      { numRuns: 2_000 },
    );
  });

  it("refuses settings that put the holding dataset in the share or in another pool", () => {
    const ok = { share: SHARE, dataset: "Media/docker-media", holdingDataset: "Media/labops-held" };
    expect(() => checkCleanupSettings(ok)).not.toThrow();
    expect(() => checkCleanupSettings({ ...ok, holdingDataset: "Media/docker-media/held" })).toThrow(/outside/);
    expect(() => checkCleanupSettings({ ...ok, holdingDataset: "Tank/held" })).toThrow(/same pool/);
    expect(() => checkCleanupSettings({ ...ok, holdingDataset: "Media" })).toThrow(/outside|below a pool/);
    expect(() => checkCleanupSettings({ ...ok, share: "/mnt/Media/other" })).toThrow(/mountpoint/);
    expect(() => checkCleanupSettings({ ...ok, dataset: "Media/../x", share: "/mnt/Media/../x" })).toThrow(UserError);
  });

  it("reads the default settings, whose pattern matches the lab's OCP folders", () => {
    const s = cleanupSettings(loadConfig({ LABOPS_CONFIG: "/dev/null" }));
    expect(s).toMatchObject({ share: SHARE, dataset: "Media/docker-media", holdingDataset: "Media/labops-held", host: "truenas01", retentionMs: 14 * 86_400_000 });
    for (const n of GOOD) expect(s.pattern.test(n)).toBe(true);
  });
});

describe("held dataset names", () => {
  it("record the original name, the time and the job, and parse back", () => {
    const at = Date.UTC(2025, 10, 20, 10, 15, 0);
    const id = heldDatasetId("Media/labops-held", "ocp-lab-2024-11-30", at, "0123456789ab");
    expect(id).toBe("Media/labops-held/ocp-lab-2024-11-30--20251120T101500Z--0123456789ab");
    expect(parseHeldId("Media/labops-held", id)).toEqual({ original: "ocp-lab-2024-11-30", heldAt: at, jobId: "0123456789ab" });
  });

  it("ignore anything labops did not make, or outside the holding dataset", () => {
    for (const id of ["Media/labops-held/other", "Media/labops-held/../x--20251120T101500Z--a", "Media/docker-media/ocp-a--20251120T101500Z--a",
      "Media/labops-held/a/b--20251120T101500Z--a", "Media/labops-held/..--20251120T101500Z--a", "Media/labops-held/ocp-a--2025112T101500Z--a"]) {
      expect(parseHeldId("Media/labops-held", id), id).toBeUndefined();
    }
  });

  it("property: round-trips every safe name and time", () => {
    fc.assert(
      fc.property(fc.constantFrom(...GOOD), fc.integer({ min: 0, max: 4_102_444_800 }), fc.stringMatching(/^[0-9a-f]{12}$/), (n, sec, job) => {
        const parsed = parseHeldId("Media/labops-held", heldDatasetId("Media/labops-held", n, sec * 1000, job));
        expect(parsed).toEqual({ original: n, heldAt: sec * 1000, jobId: job });
      }),
      { numRuns: 1_000 },
    );
  });
});
