import type { FakeRequest, FakeResponse } from "../fake-http.ts";
import type { Obj } from "./records.ts";
import { isoMicros } from "./format.ts";

/** The DRF envelope with AWX's filters, ordering and page/page_size (max 200). */
export function page(req: FakeRequest, items: Obj[], notFilters: string[] = []): FakeResponse {
  let rows: Obj[];
  try {
    rows = filterRows(items, req.query, notFilters);
  } catch (err) {
    return { status: 400, body: { detail: (err as Error).message } };
  }
  rows = orderRows(rows, req.query.get("order_by") ?? "id");
  const size = Math.min(200, Math.max(1, Number(req.query.get("page_size") ?? 25) || 25));
  const pageNo = Number(req.query.get("page") ?? 1);
  const pages = Math.max(1, Math.ceil(rows.length / size));
  if (!Number.isInteger(pageNo) || pageNo < 1 || pageNo > pages) return { status: 404, body: { detail: "Invalid page." } };
  const link = (n: number) => {
    const q = new URLSearchParams(req.query);
    if (q.has("page_size")) q.set("page_size", String(size));
    if (n === 1) q.delete("page");
    else q.set("page", String(n));
    const sorted = [...q.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const qs = new URLSearchParams(sorted).toString();
    return `${req.path}${qs ? `?${qs}` : ""}`;
  };
  return {
    status: 200,
    body: {
      count: rows.length,
      next: pageNo < pages ? link(pageNo + 1) : null,
      previous: pageNo > 1 ? link(pageNo - 1) : null,
      results: rows.slice((pageNo - 1) * size, pageNo * size),
    },
  };
}

// ---- lists: filters and ordering ---------------------------------------------------------------

const NOT_FILTERS = new Set(["page", "page_size", "order_by", "format", "count_disabled", "search"]);
const LOOKUPS = new Set(["exact", "iexact", "contains", "icontains", "gt", "gte", "lt", "lte", "in", "isnull", "startswith", "istartswith"]);
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/** Django-style field lookups on the serialized rows; `fk__name` looks in `summary_fields`. */
export function filterRows(rows: Obj[], query: URLSearchParams, skip: string[]): Obj[] {
  let out = rows;
  for (const [key, raw] of query) {
    if (NOT_FILTERS.has(key) || skip.includes(key)) continue;
    const parts = key.split("__");
    const lookup = parts.length > 1 && LOOKUPS.has(parts[parts.length - 1]!) ? parts.pop()! : "exact";
    const sample = rows[0];
    if (sample && !(parts[0]! in sample)) {
      throw new Error(`Cannot resolve keyword '${parts[0]}' into field. Choices are: ${Object.keys(sample).sort().join(", ")}`);
    }
    out = out.filter((r) => matches(fieldValue(r, parts), lookup, raw));
  }
  return out;
}

function fieldValue(row: Obj, parts: string[]): unknown {
  const [first, second] = parts;
  if (second === undefined) return row[first!];
  const summary = (row.summary_fields ?? {}) as Record<string, Obj | undefined>;
  return summary[first!]?.[second];
}

function matches(v: unknown, lookup: string, raw: string): boolean {
  const s = v === null || v === undefined ? "" : String(v);
  switch (lookup) {
    case "exact": return v === null ? raw === "" || raw.toLowerCase() === "null" : s === raw || (typeof v === "boolean" && String(v) === raw.toLowerCase());
    case "iexact": return s.toLowerCase() === raw.toLowerCase();
    case "contains": return s.includes(raw);
    case "icontains": return s.toLowerCase().includes(raw.toLowerCase());
    case "startswith": return s.startsWith(raw);
    case "istartswith": return s.toLowerCase().startsWith(raw.toLowerCase());
    case "in": return raw.split(",").includes(s);
    case "isnull": return (v === null || v === undefined) === (raw.toLowerCase() === "true");
    default: {
      if (v === null || v === undefined) return false;
      const c = compare(v, raw);
      return lookup === "gt" ? c > 0 : lookup === "gte" ? c >= 0 : lookup === "lt" ? c < 0 : c <= 0;
    }
  }
}

function compare(v: unknown, raw: unknown): number {
  if (typeof v === "number") return v - Number(raw);
  const a = String(v);
  const b = String(raw);
  if (ISO.test(a) && ISO.test(b)) return isoMicros(a) - isoMicros(b);
  return a < b ? -1 : a > b ? 1 : 0;
}

export function orderRows(rows: Obj[], orderBy: string): Obj[] {
  const keys = orderBy.split(",").filter(Boolean).map((k) => (k.startsWith("-") ? { k: k.slice(1), dir: -1 } : { k, dir: 1 }));
  return [...rows].sort((x, y) => {
    for (const { k, dir } of keys) {
      const a = x[k];
      const b = y[k];
      if (a === b) continue;
      if (a === null || a === undefined) return -dir;
      if (b === null || b === undefined) return dir;
      return compare(a, b) * dir;
    }
    return 0;
  });
}
