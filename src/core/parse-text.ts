import type { ArgSpec } from "./arg-spec.ts";
import { UserError } from "../errors.ts";

/** Splits command text into tokens, honouring "double" and 'single' quotes. */
export function tokenize(text: string): string[] {
  return tokenizeAt(text).map((t) => t.value);
}

function tokenizeAt(text: string): { value: string; at: number }[] {
  const tokens: { value: string; at: number }[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) tokens.push({ value: m[1] ?? m[2] ?? m[3] ?? "", at: m.index });
  return tokens;
}

const toCamel = (flag: string) => flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/**
 * Turns slash-command text into the raw argument object that the command's zod schema then validates:
 * positionals in order, `--flag value`, `--flag=value`, bare `--flag` for booleans, repeated flags for lists.
 */
export function parseText(text: string, specs: ArgSpec[], usageLine: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const byName = new Map(specs.map((s) => [s.name, s]));
  const positionals = specs.filter((s) => s.positional);
  const located = tokenizeAt(text);
  const tokens = located.map((t) => t.value);
  let pos = 0;
  const put = (spec: ArgSpec, value: unknown) => {
    if (spec.list) {
      out[spec.name] = [...((out[spec.name] as unknown[] | undefined) ?? []), value];
    } else if (spec.name in out) throw new UserError("bad_args", `\`--${spec.name}\` was given twice.\nUsage: \`${usageLine}\``);
    else out[spec.name] = value;
  };
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.startsWith("--") && tok.length > 2) {
      const [rawFlag, inline] = splitOnce(tok.slice(2), "=");
      const spec = byName.get(toCamel(rawFlag));
      if (!spec || spec.positional && !spec.list) {
        throw new UserError("bad_args", `Unknown option \`--${rawFlag}\`.\nUsage: \`${usageLine}\``);
      }
      if (spec.kind === "boolean") {
        put(spec, inline === undefined ? true : inline);
        continue;
      }
      const value = inline ?? tokens[++i];
      if (value === undefined) throw new UserError("bad_args", `\`--${rawFlag}\` needs a value.\nUsage: \`${usageLine}\``);
      put(spec, value);
      continue;
    }
    const spec = positionals[pos];
    if (!spec) throw new UserError("bad_args", `Unexpected \`${tok}\`.\nUsage: \`${usageLine}\``);
    if (spec.rest) {
      put(spec, text.slice(located[i]!.at).trim());
      break;
    }
    put(spec, tok);
    if (!spec.list) pos++;
  }
  return out;
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + 1)];
}
