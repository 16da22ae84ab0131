/** Text helpers for /cleanup-ocp messages. */

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) (v /= 1024), i++;
  return `${v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
}

/** "412 days", "5 h", "3 min" from a duration in ms. */
export function formatAge(ms: number): string {
  const d = ms / 86_400_000;
  if (d >= 2) return `${Math.floor(d)} days`;
  if (ms >= 3_600_000) return `${Math.floor(ms / 3_600_000)} h`;
  if (ms >= 60_000) return `${Math.floor(ms / 60_000)} min`;
  return `${Math.max(0, Math.floor(ms / 1000))} s`;
}

/** A name as shown in chat: JSON-quoted when it holds anything unusual, so nothing hides in it. */
export function showName(name: string): string {
  return /^[A-Za-z0-9._-]+$/.test(name) ? `\`${name}\`` : `\`${JSON.stringify(name).slice(0, 80)}\``;
}

export function parseAge(text: string): number {
  const m = /^(\d{1,5})(m|h|d|w)$/.exec(text);
  if (!m) return Number.NaN;
  return Number(m[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000 }[m[2] as "m" | "h" | "d" | "w"];
}
