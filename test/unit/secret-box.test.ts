import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseSecretKey, SecretBox } from "../../src/core/secret-box.ts";
import { secretContext } from "../../src/core/run-survey.ts";

/** Sealed survey answers: AES-256-GCM, bound to template and variable, refused when altered or moved. */
describe("SecretBox", () => {
  const box = new SecretBox(randomBytes(32));
  const ctx = secretContext("Create Backup Job", "backup_password");

  it("seals to a fresh ciphertext each time that opens only with its key and context", () => {
    const a = box.seal("hunter2-pw", ctx);
    const b = box.seal("hunter2-pw", ctx);
    expect(a).not.toBe(b);
    expect(a).toMatch(/^lsb1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(a).not.toContain("hunter2");
    expect(box.open(a, ctx)).toBe("hunter2-pw");
    expect(() => box.open(a, secretContext("Create Backup Job", "other"))).toThrow(/cannot be opened/);
    expect(() => new SecretBox(randomBytes(32)).open(a, ctx)).toThrow(/cannot be opened/);
    const [p, iv, tag, body] = a.split(".");
    const flipped = Buffer.from(body!, "base64url");
    flipped[0] = flipped[0]! ^ 1;
    expect(() => box.open([p, iv, tag, flipped.toString("base64url")].join("."), ctx)).toThrow(/cannot be opened/);
    expect(() => box.open("hunter2-pw", ctx)).toThrow(/not sealed/);
  });

  it("reads SURVEY_SECRET_KEY as 64 hex digits or base64 of 32 bytes, nothing else", () => {
    const key = randomBytes(32);
    expect(parseSecretKey(key.toString("hex"))).toEqual(key);
    expect(parseSecretKey(key.toString("base64"))).toEqual(key);
    expect(parseSecretKey("too-short")).toBeUndefined();
    expect(parseSecretKey(randomBytes(16).toString("hex"))).toBeUndefined();
  });
});
