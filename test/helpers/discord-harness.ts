import { z } from "zod";
import { createDiscordBot, type DiscordBot, type DiscordThrottle } from "../../src/bot/discord/create-discord-bot.ts";
import { defineCommand, type CommandDefinition } from "../../src/core/command.ts";
import { CommandRegistry } from "../../src/core/command-registry.ts";
import type { AckDeps } from "../../src/core/dispatch.ts";
import { COMMANDS } from "../../src/handlers/index.ts";
import { FakeDiscord, type FakeDiscordOptions } from "../../lab/discord/fake-discord.ts";
import { LAB_HOSTS, LAB_NODES } from "../../lab/homelab.ts";
import { deployArgs } from "../../src/jobs/deploy-args.ts";
import { createHarness, type Harness, type HarnessOptions } from "./harness.ts";

/**
 * Test-only commands that exercise what the real registry may not have yet: a subcommand root with every
 * option type (integer, number, enum choices, repeatable list, autocomplete from `nodes`), and a command
 * that asks for a confirmation before it queues a real `aap.deploy` job.
 */
export const TEST_COMMANDS: CommandDefinition[] = [
  defineCommand({
    name: "labtest create",
    description: "Test-only: echo typed options",
    requires: "operator",
    args: z.object({
      name: z.string().describe("Name of the thing"),
      node: z.string().optional().describe("Proxmox node"),
      cores: z.number().int().min(1).default(2).describe("CPU cores"),
      ratio: z.number().optional().describe("A fraction"),
      kind: z.enum(["lxc", "vm"]).default("lxc").describe("Guest kind"),
      tags: z.array(z.string()).optional().describe("Tags"),
      dryRun: z.boolean().default(false).describe("Only show the plan"),
    }),
    positional: ["name"],
    shortcut: true,
    complete: { node: "nodes" },
    async run({ args }) {
      return { title: "labtest create", state: "info", ephemeral: true, lines: [JSON.stringify(args)] };
    },
  }) as CommandDefinition,
  defineCommand({
    name: "labtest status",
    description: "Test-only: a second subcommand",
    requires: "viewer",
    shortcut: true,
    args: z.object({}),
    async run() {
      return { title: "labtest status", state: "info", ephemeral: true };
    },
  }) as CommandDefinition,
  defineCommand({
    name: "redeploy",
    description: "Test-only: deploy after a confirmation",
    requires: "operator",
    args: deployArgs,
    positional: ["app"],
    job: "aap.deploy",
    shortcut: true,
    lock: (a) => `app:${a.app}`,
    complete: { app: "apps" },
    confirm: { title: (a) => `Redeploy ${a.app}?`, lines: (a) => [`This runs Master Deploy for ${a.app}.`], confirmLabel: "Redeploy" },
  }) as CommandDefinition,
];

export interface DiscordHarness {
  h: Harness;
  fake: FakeDiscord;
  bot: DiscordBot;
  ack: AckDeps;
  /** The `operators` role, granted the operator role in labops' permissions. */
  operators: string;
  close(): Promise<void>;
}

export interface DiscordHarnessOptions {
  fake?: FakeDiscordOptions | undefined;
  throttle?: Partial<DiscordThrottle> | undefined;
  harness?: HarnessOptions | undefined;
}

/** The lab + labops (real Redis, worker) + the fake Discord + the real discord.js bot, logged in and registered. */
export async function createDiscordHarness(opts: DiscordHarnessOptions = {}): Promise<DiscordHarness> {
  const fake = new FakeDiscord(opts.fake);
  await fake.start();
  const operators = fake.role("operators");
  const h = await createHarness({
    ...opts.harness,
    env: { ...fake.env, ...opts.harness?.env },
    tweak: (c) => {
      c.permissions.grants = [{ role: "operator", discordRoles: [operators], discordUsers: [], slackUsers: [], slackGroups: [], channels: [] }];
      opts.harness?.tweak?.(c);
    },
  });
  await h.labops.catalog.apps(); // warm the cache autocomplete reads from
  const ack: AckDeps = { ...h.labops.ack, commands: new CommandRegistry([...COMMANDS, ...TEST_COMMANDS]) };
  const bot = createDiscordBot({
    config: h.config.discord!,
    ack,
    log: h.labops.log,
    autocomplete: {
      apps: () => h.labops.catalog.cachedNames(),
      hosts: () => LAB_HOSTS.map((x) => x.name),
      nodes: () => [...LAB_NODES],
    },
    throttle: opts.throttle,
  });
  h.labops.notifiers.register("discord", bot.notifier);
  await bot.start();
  return {
    h, fake, bot, ack, operators,
    async close() {
      await bot.stop();
      await h.close();
      await fake.close();
    },
  };
}
