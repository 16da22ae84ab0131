import type { z } from "zod";

/** What a front end needs to know about one command argument, read from its zod schema. */
export interface ArgSpec {
  name: string;
  kind: "string" | "number" | "boolean" | "enum";
  /** Repeatable (`--port 80 --port 443`). */
  list: boolean;
  required: boolean;
  positional: boolean;
  /** The last positional takes the rest of the line verbatim, flags included (`/schedule add "<cron>" <command…>`). */
  rest?: boolean | undefined;
  description: string;
  choices?: string[] | undefined;
}

type AnyZod = z.ZodType & { def: { type: string; innerType?: AnyZod; element?: AnyZod; in?: AnyZod; entries?: Record<string, string> }; description?: string };

/** Reads each field of a command's zod object schema; `positional` names the fields given without a flag, in order. */
export function argSpecs(shape: Record<string, z.ZodType>, positional: readonly string[] = [], rest?: string | undefined): ArgSpec[] {
  return Object.entries(shape).map(([name, schema]) => {
    let t = schema as AnyZod;
    let required = true;
    let description = t.description ?? "";
    let list = false;
    for (;;) {
      const type = t.def.type;
      if (type === "optional" || type === "default" || type === "prefault" || type === "nullable") {
        required = false;
        t = t.def.innerType!;
      } else if (type === "pipe") {
        t = t.def.in!;
      } else if (type === "array") {
        list = true;
        t = t.def.element!;
      } else break;
      description ||= t.description ?? "";
    }
    const type = t.def.type;
    const kind: ArgSpec["kind"] =
      type === "boolean" ? "boolean" : type === "number" ? "number" : type === "enum" ? "enum" : "string";
    const choices = kind === "enum" ? Object.values(t.def.entries ?? {}) : undefined;
    return { name, kind, list, required, positional: positional.includes(name), description, choices, ...(rest === name ? { rest: true } : {}) };
  }).sort((a, b) => {
    const ia = positional.indexOf(a.name);
    const ib = positional.indexOf(b.name);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
}

/** `/deploy <app> [--check] [--host <host>]` */
export function usage(command: string, specs: ArgSpec[]): string {
  const parts = [`/${command}`];
  // A rest-of-line argument comes last: flags after it would be part of it.
  for (const s of [...specs.filter((x) => !x.rest), ...specs.filter((x) => x.rest)]) {
    const flag = s.name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    const value = s.choices ? s.choices.join("|") : s.name;
    const token = s.positional ? `<${value}>` : s.kind === "boolean" ? `--${flag}` : `--${flag} <${value}>`;
    const rep = s.list ? `${token}...` : token;
    parts.push(s.required && !(s.kind === "boolean") ? rep : `[${rep}]`);
  }
  return parts.join(" ");
}
