import { randomUUID } from "node:crypto";
import { Writable } from "node:stream";
import { loadConfig, type Config } from "../../src/config.ts";
import type { Actor, ChannelRef } from "../../src/core/actor.ts";
import { dispatchCommand } from "../../src/core/dispatch.ts";
import type { Message } from "../../src/core/message.ts";
import { NotifierRegistry } from "../../src/core/notifier.ts";
import { createLabops, type Labops, type LabopsOptions } from "../../src/create-labops.ts";
import { createLab, type Lab, type LabOptions } from "../../lab/create-lab.ts";
import { createLogger } from "../../src/logger.ts";
import { RecordingNotifier } from "./recording-notifier.ts";

export const REDIS_URL = process.env.REDIS_URL || "redis://127.0.0.1:6379";

/** Captured log lines (JSON), for assertions on what reaches the log. */
export class LogCapture extends Writable {
  lines: string[] = [];
  override _write(chunk: Buffer, _enc: string, cb: () => void) {
    this.lines.push(...chunk.toString().split("\n").filter(Boolean));
    cb();
  }
}

export interface Harness {
  lab: Lab;
  labops: Labops;
  config: Config;
  notifier: RecordingNotifier;
  logs: LogCapture;
  admin: Actor;
  channel: ChannelRef;
  /** Runs a slash command as the terminal admin (or `actor`) and returns the acknowledgement. */
  run(line: string, actor?: Actor): Promise<Message>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  lab?: LabOptions | undefined;
  env?: Record<string, string> | undefined;
  tweak?: ((c: Config) => void) | undefined;
  worker?: LabopsOptions["worker"];
  startWorker?: boolean | undefined;
  onJobFailed?: LabopsOptions["onJobFailed"];
}

/** A lab on free ports, labops on a random queue prefix in the real Redis, a recording notifier, fast timings. */
export async function createHarness(opts: HarnessOptions = {}): Promise<Harness> {
  // LAB_PROFILE picks the versions the fakes play (lab/lab-profiles.ts), so any suite can run against each.
  const lab = await createLab({ stepMs: 10, profile: process.env.LAB_PROFILE, ...opts.lab });
  const config = loadConfig({ ...lab.env, REDIS_URL, LABOPS_CONFIG: "/dev/null", LABOPS_QUEUE_PREFIX: `t-${randomUUID().slice(0, 8)}`, ...opts.env });
  config.limits.cooldown = 0;
  // Tests drive many commands as one person; the budget and the queued-jobs cap have their own tests.
  config.limits.commandsPerMinute = 0;
  config.limits.queuedJobsPerPerson = 0;
  config.limits.progressEditInterval = 20;
  config.limits.retryBackoff = 50;
  config.aapSettings.pollInterval = 20;
  opts.tweak?.(config);
  const logs = new LogCapture();
  const log = createLogger({ level: "debug", secrets: config.secrets, destination: logs });
  const notifier = new RecordingNotifier();
  const notifiers = new NotifierRegistry().register("terminal", notifier).register("slack", notifier).register("discord", notifier);
  const labops = createLabops({ config, log, notifiers, probe: lab.probe, worker: opts.worker, onJobFailed: opts.onJobFailed });
  await labops.ready();
  if (opts.startWorker !== false) labops.startWorker();
  const admin: Actor = { platform: "terminal", id: "tester", name: "tester", groups: [] };
  const channel: ChannelRef = { platform: "terminal", channel: "terminal" };
  return {
    lab, labops, config, notifier, logs, admin, channel,
    run(line, actor = admin) {
      const [head = "", ...rest] = line.replace(/^\//, "").split(" ");
      return dispatchCommand(labops.ack, { root: head, text: rest.join(" "), actor, channel, requestId: randomUUID() });
    },
    async close() {
      await labops.queue.queue.obliterate({ force: true }).catch(() => {});
      await labops.redis.eval("for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end", 0, `${config.redis.prefix}:*`).catch(() => {});
      await labops.close();
      await lab.close();
    },
  };
}
