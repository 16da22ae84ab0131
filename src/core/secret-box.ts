import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { UserError } from "../errors.ts";

const PREFIX = "lsb1.";

/**
 * Seals secret survey answers (AES-256-GCM, a random 96-bit nonce each) so they cross Redis, the audit trail
 * and the job's saved state only as ciphertext; the worker opens them right before the launch. `context`
 * (the template and variable) is bound as additional data, so a sealed answer cannot be moved to another.
 */
export class SecretBox {
  readonly #key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("SecretBox needs a 32-byte key");
    this.#key = key;
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.#key, iv);
    c.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return PREFIX + [iv, c.getAuthTag(), body].map((b) => b.toString("base64url")).join(".");
  }

  /** The clear text; a UserError when the value was not sealed with this key for this context. */
  open(sealed: string, context: string): string {
    const parts = sealed.startsWith(PREFIX) ? sealed.slice(PREFIX.length).split(".") : [];
    if (parts.length !== 3) throw new UserError("secret_unreadable", "A secret answer is not sealed as labops seals them; nothing was launched.");
    try {
      const [iv, tag, body] = parts.map((p) => Buffer.from(p, "base64url")) as [Buffer, Buffer, Buffer];
      const d = createDecipheriv("aes-256-gcm", this.#key, iv);
      d.setAAD(Buffer.from(context, "utf8"));
      d.setAuthTag(tag);
      return Buffer.concat([d.update(body), d.final()]).toString("utf8");
    } catch {
      throw new UserError("secret_unreadable", "A secret answer cannot be opened (sealed with another SURVEY_SECRET_KEY, or altered); nothing was launched. Run the command again.");
    }
  }
}

/** SURVEY_SECRET_KEY: 32 bytes as 64 hex digits or base64; undefined when it is neither. */
export function parseSecretKey(text: string): Buffer | undefined {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  const b = Buffer.from(t, "base64");
  return b.length === 32 && /^[A-Za-z0-9+/_-]{43}=?$/.test(t) ? b : undefined;
}
