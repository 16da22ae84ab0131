import type { Redis } from "ioredis";

/** Who asked /cancel for a running job: `labops.cancel` writes it, the job's final message names them. */
export class CancelMarks {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async mark(jobId: string, by: string): Promise<void> {
    await this.redis.set(this.#key(jobId), by, "EX", 86_400);
  }

  async by(jobId: string): Promise<string | undefined> {
    return (await this.redis.get(this.#key(jobId))) ?? undefined;
  }

  #key(jobId: string): string {
    return `${this.prefix}:cancel-by:${jobId}`;
  }
}
