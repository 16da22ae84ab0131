import { argSpecs, usage, type ArgSpec } from "./arg-spec.ts";
import type { CommandDefinition } from "./command.ts";
import { closeMatches } from "../suggest.ts";

/** The one slash command that always works: `/labops deploy traefik`, `/labops help`. */
export const NAMESPACE = "labops";

export interface RegisteredCommand {
  def: CommandDefinition;
  specs: ArgSpec[];
  /** How a person types it: `/deploy <app> …` for a shortcut, `/labops status` otherwise. */
  usage: string;
}

/** `help` after a command name (`/deploy help`, `/labops runner help`) asks for that command's help. */
const HELP_WORD = "help";

/**
 * All commands by name. Names with a space are subcommands (`runner create`) grouped under their first word.
 * Every command is reachable as `/labops <name>`; roots marked `shortcut` are also their own slash command.
 */
export class CommandRegistry {
  readonly #byName = new Map<string, RegisteredCommand>();
  readonly #shortcuts: Set<string>;

  constructor(defs: readonly CommandDefinition[]) {
    const rootOf = (name: string) => name.split(" ")[0]!;
    this.#shortcuts = new Set(defs.filter((d) => d.shortcut).map((d) => rootOf(d.name)));
    for (const def of defs) {
      if (rootOf(def.name) === NAMESPACE) throw new Error(`command ${def.name}: "${NAMESPACE}" is the namespace, not a command`);
      const specs = argSpecs(def.args.shape, def.positional ?? [], def.rest);
      this.#byName.set(def.name, { def, specs, usage: usage(this.typed(def.name), specs) });
    }
  }

  get(name: string): RegisteredCommand | undefined {
    return this.#byName.get(name);
  }

  all(): RegisteredCommand[] {
    return [...this.#byName.values()];
  }

  /** Every command root: `deploy`, `runner`, `app`, ... */
  roots(): string[] {
    return [...new Set([...this.#byName.keys()].map((n) => n.split(" ")[0]!))].sort();
  }

  /** Roots that are their own slash command besides `/labops`. */
  shortcuts(): string[] {
    return this.roots().filter((r) => this.#shortcuts.has(r));
  }

  /** The slash commands a platform declares: `/labops` and the shortcuts. */
  slashCommands(): string[] {
    return [NAMESPACE, ...this.shortcuts()];
  }

  /** How a command name is typed: `deploy` → `deploy`, `status` → `labops status`. */
  typed(name: string): string {
    return this.#shortcuts.has(name.split(" ")[0]!) ? name : `${NAMESPACE} ${name}`;
  }

  subcommands(root: string): RegisteredCommand[] {
    return this.all().filter((c) => c.def.name.startsWith(`${root} `));
  }

  /**
   * Resolves what a person typed to a command and the rest of the text: `/runner` + `create foo` to
   * `runner create` + `foo`; `/labops` + `runner create foo` likewise; `/deploy help`, `/labops help deploy`
   * and `/runner` alone to the help command about it.
   */
  resolve(root: string, text: string): { cmd: RegisteredCommand; rest: string } | { error: string } {
    const trimmed = text.trim();
    if (root === NAMESPACE) {
      const [first = "", ...more] = trimmed.split(/\s+/);
      if (!first || first === HELP_WORD) return this.#help(more.join(" "));
      if (first === NAMESPACE) return { error: this.#unknown(first) };
      return this.resolve(first, trimmed.slice(first.length));
    }
    const direct = this.#byName.get(root);
    const subs = this.subcommands(root);
    if (!subs.length) {
      if (!direct) return { error: this.#unknown(root) };
      if (trimmed === HELP_WORD) return this.#help(root);
      return { cmd: direct, rest: trimmed };
    }
    const [sub = ""] = trimmed.split(/\s+/);
    if (!sub || sub === HELP_WORD) return this.#help(root);
    const cmd = this.#byName.get(`${root} ${sub}`);
    if (cmd) {
      const after = trimmed.slice(sub.length).trim();
      return after === HELP_WORD ? this.#help(cmd.def.name) : { cmd, rest: after };
    }
    const names = subs.map((s) => s.def.name.split(" ")[1]!);
    const near = closeMatches(sub, names);
    return {
      error: `\`/${this.typed(root)}\` needs one of: ${names.map((n) => `\`${n}\``).join(", ")}. (\`${sub}\` is not one.` +
        `${near.length ? ` Did you mean ${near.map((n) => `\`${n}\``).join(" or ")}?` : ""})\n${subs.map((s) => `\`${s.usage}\``).join("\n")}`,
    };
  }

  #help(about: string): { cmd: RegisteredCommand; rest: string } | { error: string } {
    const help = this.#byName.get(HELP_WORD);
    if (!help) return { error: `\`/${NAMESPACE}\` needs a command: ${this.roots().map((r) => `\`${r}\``).join(", ")}.` };
    return { cmd: help, rest: about ? `"${about.replace(/"/g, "")}"` : "" };
  }

  #unknown(root: string): string {
    const near = closeMatches(root, this.roots());
    return `There is no \`/${NAMESPACE} ${root}\` command.${near.length ? ` Did you mean ${near.map((n) => `\`/${this.typed(n)}\``).join(" or ")}?` : ""} ` +
      `Try \`/${NAMESPACE} help\`.`;
  }
}
