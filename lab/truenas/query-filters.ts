/** TrueNAS query filters and options (`query_methods.rst` subset) over plain records. */
import { callError, validationError } from "./rpc-errors.ts";

// ---------------------------------------------------------------- query filters (`query_methods.rst` subset)

export type Filter = [string, string, unknown] | ["OR", Filter[]];

export function matches(item: Record<string, unknown>, f: Filter): boolean {
  if (f[0] === "OR") return (f[1] as Filter[]).some((g) => matches(item, g));
  const [field, op, want] = f as [string, string, unknown];
  const v = field.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], item);
  const ci = op.startsWith("C") && op.length > 1;
  const o = ci ? op.slice(1) : op;
  const a = ci && typeof v === "string" ? v.toLowerCase() : v;
  const b = ci && typeof want === "string" ? want.toLowerCase() : want;
  switch (o) {
    case "=": return a === b;
    case "!=": return a !== b;
    case ">": return (a as number) > (b as number);
    case ">=": return (a as number) >= (b as number);
    case "<": return (a as number) < (b as number);
    case "<=": return (a as number) <= (b as number);
    case "~": return typeof a === "string" && new RegExp(String(b)).test(a);
    case "in": return Array.isArray(b) && b.includes(a);
    case "nin": return Array.isArray(b) && !b.includes(a);
    case "^": return typeof a === "string" && a.startsWith(String(b));
    case "!^": return typeof a === "string" && !a.startsWith(String(b));
    case "$": return typeof a === "string" && a.endsWith(String(b));
    case "!$": return typeof a === "string" && !a.endsWith(String(b));
    default: throw validationError("query-filters", `Invalid operation: ${op}`);
  }
}

/** `filter_list(items, filters, options)`: select, order_by, offset, limit, count, get. */
export function filterList(items: Record<string, unknown>[], filters: unknown, options: unknown): unknown {
  if (filters !== undefined && !Array.isArray(filters)) throw validationError("filters", "Input should be a valid list");
  const opts = (options ?? {}) as { select?: string[]; order_by?: string[]; limit?: number; offset?: number; count?: boolean; get?: boolean };
  let out = items.filter((i) => ((filters ?? []) as Filter[]).every((f) => matches(i, f)));
  for (const key of [...(opts.order_by ?? [])].reverse()) {
    const desc = key.startsWith("-");
    const k = desc ? key.slice(1) : key;
    out = [...out].sort((x, y) => ((x[k] as number) > (y[k] as number) ? 1 : (x[k] as number) < (y[k] as number) ? -1 : 0) * (desc ? -1 : 1));
  }
  if (opts.count) return out.length;
  out = out.slice(opts.offset ?? 0, opts.limit ? (opts.offset ?? 0) + opts.limit : undefined);
  if (opts.select) out = out.map((i) => Object.fromEntries(opts.select!.filter((k) => k in i).map((k) => [k, i[k]])));
  if (opts.get) {
    if (out.length === 0) throw callError("ENOENT", "No records found");
    return out[0];
  }
  return out;
}
