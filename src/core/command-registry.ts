import { argSpecs, usage, type ArgSpec } from "./arg-spec.ts";
import type { CommandDefinition } from "./command.ts";
import { closeMatches } from "./suggest.ts";

export interface RegisteredCommand {
  def: CommandDefinition;
  specs: ArgSpec[];
  usage: string;
}

/** All commands by name. Names with a space are subcommands (`runner create`) grouped under their first word. */
export class CommandRegistry {
  readonly #byName = new Map<string, RegisteredCommand>();

  constructor(defs: readonly CommandDefinition[]) {
    for (const def of defs) {
      const specs = argSpecs(def.args.shape as never, def.positional ?? []);
      this.#byName.set(def.name, { def, specs, usage: usage(def.name, specs) });
    }
  }

  get(name: string): RegisteredCommand | undefined {
    return this.#byName.get(name);
  }

  all(): RegisteredCommand[] {
    return [...this.#byName.values()];
  }

  /** Top-level slash commands: `deploy`, `runner`, `app`, ... */
  roots(): string[] {
    return [...new Set([...this.#byName.keys()].map((n) => n.split(" ")[0]!))].sort();
  }

  subcommands(root: string): RegisteredCommand[] {
    return this.all().filter((c) => c.def.name.startsWith(`${root} `));
  }

  /** Resolves `/runner` + `create foo` to `runner create` + `foo`. */
  resolve(root: string, text: string): { cmd: RegisteredCommand; rest: string } | { error: string } {
    const direct = this.#byName.get(root);
    const subs = this.subcommands(root);
    if (!subs.length) {
      if (direct) return { cmd: direct, rest: text };
      const near = closeMatches(root, this.roots());
      return { error: `There is no \`/${root}\` command.${near.length ? ` Did you mean ${near.map((n) => `\`/${n}\``).join(" or ")}?` : ""} Try \`/help\`.` };
    }
    const [sub = "", ...rest] = text.trim().split(/\s+/);
    const cmd = this.#byName.get(`${root} ${sub}`);
    if (cmd) return { cmd, rest: text.trim().slice(sub.length).trim() };
    const names = subs.map((s) => s.def.name.split(" ")[1]!);
    return { error: `\`/${root}\` needs one of: ${names.map((n) => `\`${n}\``).join(", ")}.${sub ? ` (\`${sub}\` is not one.)` : ""}\n${subs.map((s) => `\`${s.usage}\``).join("\n")}` };
  }
}
