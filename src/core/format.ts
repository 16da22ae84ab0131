import type { ArgSpec } from "./arg-spec.ts";

const FORMATS = new Map<string, Intl.DateTimeFormat>();

/**
 * `2026-12-04 02:10:33 UTC`, `2026-12-04 03:10:33 Europe/Berlin`: a time for people, always with its zone
 * (the `timeZone` setting, an IANA name checked when the settings are read). `minutes` drops the seconds;
 * `clock` drops the date.
 */
export function formatTime(ms: number, tz = "UTC", o: { minutes?: boolean; clock?: boolean } = {}): string {
  let f = FORMATS.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone: tz, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    FORMATS.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const clock = `${p.hour}:${p.minute}${o.minutes ? "" : `:${p.second}`}`;
  return `${o.clock ? "" : `${p.year}-${p.month}-${p.day} `}${clock} ${tz}`;
}

/** `1 task`, `2 tasks`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Arguments as a person types them (`traefik --check --host edge01`), from the parsed values: positionals
 * first, then flags; false booleans and empty lists are left out. Values with spaces are quoted.
 */
export function formatArgs(specs: readonly ArgSpec[], args: Record<string, unknown>): string {
  const quote = (v: unknown) => {
    const s = typeof v === "string" ? v : JSON.stringify(v);
    return /[\s"']/.test(s) ? `"${s.replace(/"/g, "'")}"` : s;
  };
  const flag = (name: string) => `--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
  const out: string[] = [];
  for (const s of specs) {
    const v = args[s.name];
    if (v === undefined || v === null || v === false || (Array.isArray(v) && !v.length)) continue;
    const values = Array.isArray(v) ? v : [v];
    for (const one of values) {
      if (s.positional) out.push(quote(one));
      else if (s.kind === "boolean") out.push(flag(s.name));
      else out.push(`${flag(s.name)} ${quote(one)}`);
    }
  }
  for (const [k, v] of Object.entries(args)) if (!specs.some((s) => s.name === k) && v !== undefined) out.push(`${flag(k)} ${quote(v)}`);
  return out.join(" ");
}

/** A saved remote id or record as `key value` pairs, not JSON: `aapJob 100, status successful`. */
export function readable(v: unknown): string {
  if (v === null || typeof v !== "object") return String(v);
  if (Array.isArray(v)) return v.map(readable).join(", ");
  return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k} ${typeof x === "object" && x !== null ? `(${readable(x)})` : String(x)}`).join(", ").slice(0, 300);
}

/** Text with a JSON object at its end (`success {"aapJob":100}`): the object made readable. */
export function readableDetail(text: string): string {
  const i = text.indexOf("{");
  if (i < 0 || !text.endsWith("}")) return text;
  try {
    return `${text.slice(0, i)}${readable(JSON.parse(text.slice(i)))}`.trim();
  } catch {
    return text;
  }
}
