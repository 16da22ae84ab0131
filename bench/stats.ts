/** Latency summary of one sample set, in the unit of the input (ms everywhere in the bench). */
export interface Summary {
  n: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentiles over the raw samples (no histogram bucketing, no coordinated-omission fill-in). */
export function summarize(values: readonly number[]): Summary {
  if (!values.length) return { n: 0, p50: Number.NaN, p99: Number.NaN, max: Number.NaN, mean: Number.NaN };
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))]!;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1]!, mean: s.reduce((a, b) => a + b, 0) / s.length };
}

export function ratio(a: number, b: number): number {
  return b > 0 ? a / b : Number.NaN;
}

/** 1.23 → "1.23", 12.3 → "12.3", 123 → "123". */
export function num(v: number | undefined, digits = 2): string {
  if (v === undefined || !Number.isFinite(v)) return "n/a";
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(digits);
}

export const pct = (s: Summary): string => `${num(s.p50)} / ${num(s.p99)}`;

export const MiB = (bytes: number): number => bytes / 1024 / 1024;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Calls `fn(i)` at a fixed rate (open loop: a slow call does not delay the next one); resolves when all have settled. */
export async function atRate<T>(perSecond: number, count: number, fn: (i: number) => Promise<T>): Promise<PromiseSettledResult<T>[]> {
  const started: Promise<T>[] = [];
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const due = t0 + (i * 1000) / perSecond;
    const wait = due - performance.now();
    if (wait > 1) await sleep(wait);
    started.push(fn(i));
  }
  return Promise.allSettled(started);
}

/** Polls until `pred` holds or `timeoutMs` passes; resolves to whether it held. */
export async function waitUntil(pred: () => boolean | Promise<boolean>, timeoutMs: number, everyMs = 20): Promise<boolean> {
  const t0 = Date.now();
  for (;;) {
    if (await pred()) return true;
    if (Date.now() - t0 > timeoutMs) return false;
    await sleep(everyMs);
  }
}
