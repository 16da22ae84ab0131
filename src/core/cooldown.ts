import type { Redis } from "ioredis";
import { UserError } from "../errors.ts";
import { actorKey, type Actor } from "./actor.ts";

/** Per-user cooldown on mutating commands: one per `ms` per person and command. */
export class Cooldown {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ms: number,
  ) {}

  async check(actor: Actor, command: string): Promise<void> {
    if (this.ms <= 0) return;
    const key = `${this.prefix}:cooldown:${actorKey(actor)}:${command}`;
    const ok = await this.redis.set(key, "1", "PX", this.ms, "NX");
    if (ok === null) {
      const left = await this.redis.pttl(key);
      throw new UserError("cooldown", `Slow down: you can run \`/${command}\` again in ${Math.max(1, Math.ceil(left / 1000))} s.`);
    }
  }
}
