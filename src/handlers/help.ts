import { z } from "zod";
import { defineCommand } from "../core/command.ts";
import { NAMESPACE, type RegisteredCommand } from "../core/command-registry.ts";
import { closeMatches } from "../suggest.ts";
import { UserError } from "../errors.ts";

/** `--older-than` for `olderThan`, the flag as typed. */
const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Without an argument: the commands the asker may run, with their usage. With one (`/labops help deploy`,
 * also reached as `/deploy help`): that command or group, its options, the role it needs and examples.
 */
export default defineCommand({
  name: "help",
  description: "The commands you may run here, or one command in detail",
  requires: "viewer",
  args: z.object({
    command: z.string().max(60).optional().describe("A command, e.g. deploy or runner create"),
  }),
  positional: ["command"],
  complete: { command: "commands" },
  examples: ["", "deploy", "runner create"],
  async run({ args, deps, actor, channel }) {
    const registry = deps.commands;
    if (args.command) {
      const wanted = args.command.replace(/^\//, "").replace(new RegExp(`^${NAMESPACE}\\s+`), "").trim().replace(/\s+/g, " ");
      const exact = registry.get(wanted);
      const group = exact ? [exact] : registry.subcommands(wanted);
      if (!group.length) {
        const names = registry.all().map((c) => c.def.name);
        const near = closeMatches(wanted, [...names, ...registry.roots()]);
        throw new UserError("unknown_command", `There is no \`/${registry.typed(wanted)}\` command.${near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : ""} ` +
          `\`/${NAMESPACE} help\` lists them all.`);
      }
      return { title: `Help: /${registry.typed(wanted)}`, state: "info", lines: group.flatMap((c) => detail(c, registry.typed(c.def.name))), ephemeral: true };
    }
    const mine = registry.all().filter((c) => deps.permissions.allows(actor, channel, c.def.requires));
    const role = deps.permissions.roleOf(actor, channel);
    const shortcuts = registry.shortcuts().map((s) => `\`/${s}\``).join(", ");
    return {
      title: `labops commands for ${actor.name} (${role ?? "no role"})`,
      state: "info",
      lines: [
        ...mine.map((c) => `\`${c.usage}\` — ${c.def.description}`),
        `Every command also works as \`/${NAMESPACE} <command>\`${shortcuts ? `; ${shortcuts} are shortcuts` : ""}. ` +
          `Details: \`/${NAMESPACE} help <command>\` or \`<command> help\`.`,
      ],
      ephemeral: true,
    };
  },
});

function detail(c: RegisteredCommand, typed: string): string[] {
  const lines = [`\`${c.usage}\` — ${c.def.description} (role: ${c.def.requires})`];
  for (const s of c.specs) {
    const name = s.positional ? `<${s.name}>` : s.kind === "boolean" ? flag(s.name) : `${flag(s.name)} <${s.choices ? s.choices.join("|") : s.name}>`;
    const extra = [s.required && s.kind !== "boolean" ? "required" : "", s.list ? "repeatable" : ""].filter(Boolean).join(", ");
    lines.push(`    ${name}${s.description ? ` — ${s.description}` : ""}${extra ? ` (${extra})` : ""}`);
  }
  for (const e of c.def.examples ?? []) lines.push(`    e.g. \`/${typed}${e ? ` ${e}` : ""}\``);
  return lines;
}
