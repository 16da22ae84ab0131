import { createMattermostBot, type MattermostBot } from "../../src/bot/mattermost/create-mattermost-bot.ts";
import { CommandRegistry } from "../../src/core/command-registry.ts";
import type { AckDeps } from "../../src/core/dispatch.ts";
import { COMMANDS } from "../../src/handlers/index.ts";
import { HttpServer } from "../../src/http/http-server.ts";
import { FakeMattermost, type FakeMattermostOptions, type FakeMattermostUser } from "../../lab/mattermost/fake-mattermost.ts";
import { TEST_COMMANDS } from "./discord-harness.ts";
import { createHarness, type Harness, type HarnessOptions } from "./harness.ts";
import { createLogger } from "../../src/logger.ts";

export interface MattermostHarness {
  h: Harness;
  fake: FakeMattermost;
  bot: MattermostBot;
  ack: AckDeps;
  /** labops' HTTP port, where the fake posts commands and clicks. */
  labopsUrl: string;
  /** Granted the operator role by user id. */
  olga: FakeMattermostUser;
  /** No grant at all. */
  vic: FakeMattermostUser;
  close(): Promise<void>;
}

export interface MattermostHarnessOptions {
  fake?: FakeMattermostOptions | undefined;
  harness?: HarnessOptions | undefined;
  ackBudgetMs?: number | undefined;
}

/** The lab + labops (real Redis, worker) + the fake Mattermost + the Mattermost front end on labops' own HTTP port. */
export async function createMattermostHarness(opts: MattermostHarnessOptions = {}): Promise<MattermostHarness> {
  const fake = new FakeMattermost({ commands: ["labops", "deploy", "redeploy"], ...opts.fake });
  await fake.start();
  const olga = fake.user("olga");
  const vic = fake.user("vic");
  const http = new HttpServer(createLogger({ level: "silent" }));
  const labopsUrl = await http.listen(0, "127.0.0.1");
  fake.labopsUrl = labopsUrl;
  const h = await createHarness({
    ...opts.harness,
    env: { ...fake.env, MATTERMOST_LABOPS_URL: labopsUrl, ...opts.harness?.env },
    tweak: (c) => {
      c.permissions.grants = [{ role: "operator", mattermostUsers: [olga.id], slackUsers: [], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] }];
      opts.harness?.tweak?.(c);
    },
  });
  await h.labops.catalog.apps();
  const ack: AckDeps = { ...h.labops.ack, commands: new CommandRegistry([...COMMANDS, ...TEST_COMMANDS]) };
  const bot = createMattermostBot({
    config: h.config.mattermost!, ack, log: h.labops.log, http, ackBudgetMs: opts.ackBudgetMs,
    throttle: { perMessageMs: 50, capacity: 20, refillMs: 20 },
  });
  h.labops.notifiers.register("mattermost", bot.notifier);
  await bot.start();
  return {
    h, fake, bot, ack, labopsUrl, olga, vic,
    async close() {
      await bot.stop();
      await http.close();
      await h.close();
      await fake.close();
    },
  };
}
