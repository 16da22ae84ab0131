import type { JobRec, Obj } from "./records.ts";

// ---- small helpers -----------------------------------------------------------------------------

export function normalizePrefix(p: string): string {
  return `/${p.replace(/^\/+|\/+$/g, "")}/`;
}

export function isFailed(status: string): boolean {
  return status === "failed" || status === "error" || status === "canceled";
}

export function elapsed(j: JobRec): number {
  if (!j.started || !j.finished) return 0;
  return round3((j.finished.getTime() - j.started.getTime()) / 1000);
}

export function round3(n: number): number {
  return Math.round(n * 1000) / 1000;
}

let micro = 0;
/** Django REST timestamps: microseconds and `Z`. */
export function iso(d: Date): string {
  micro = (micro + 137) % 1000;
  return `${d.toISOString().slice(0, 23)}${String(micro).padStart(3, "0")}Z`;
}

/** Python isoformat of an aware UTC datetime, as the notification body carries it. */
export function pyIso(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000+00:00`;
}

/** Microseconds since the epoch from an ISO string, so `...123456Z` and `...123Z` compare correctly. */
export function isoMicros(s: string): number {
  const frac = /\.(\d+)/.exec(s)?.[1] ?? "";
  return Date.parse(s.replace(/\.\d+/, "")) * 1000 + Number(frac.padEnd(6, "0").slice(0, 6));
}

/** Python's json.dumps spacing (`{"a": 1, "b": 2}`), as AWX stores and sends `extra_vars`. */
export function pyJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(pyJson).join(", ")}]`;
  if (v && typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${pyJson(x)}`).join(", ")}}`;
  return JSON.stringify(v) ?? "null";
}

export function parseExtraVars(v: unknown): Obj | string {
  if (v && typeof v === "object" && !Array.isArray(v)) return v as Obj;
  if (typeof v === "string") {
    if (v.trim() === "") return {};
    try {
      const parsed: unknown = JSON.parse(v);
      if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) return parsed as Obj;
    } catch {
      // AWX would also try YAML; the fake accepts JSON strings and objects only.
    }
    return `Cannot parse as JSON (error: Expecting value) or YAML (error: Input type \`${typeof v}\` is not a dictionary).`;
  }
  return `Input type \`${Array.isArray(v) ? "list" : typeof v}\` is not a dictionary`;
}

export function stars(prefix: string): string {
  return "*".repeat(Math.max(3, 79 - prefix.length));
}

export function randomHex(n: number): string {
  return Array.from({ length: n }, () => Math.floor(Math.random() * 16).toString(16)).join("");
}
