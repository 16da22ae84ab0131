/**
 * What an app_list entry may ask of a Docker host. The same rules are asserted by playbooks/master_deploy.yml
 * ("Check the app's entry is safe to run"), so AAP driven without labops refuses the same entries.
 * Pure functions: no I/O, used at `/app add` (before anything is committed) and at `/deploy` (before launch).
 */

import { isSystemPath, rootProblem, SYSTEM_DIRS } from "../host-paths.ts";

export { isSystemPath, rootProblem, SYSTEM_DIRS };

/** Jinja markers: a string holding one would be evaluated by Ansible if it ever reached a template. */
export const TEMPLATE_MARKER_RE = /\{[{%#]/;


/** A Unix socket, such as a container runtime's API (docker.sock, containerd.sock, podman.sock, crio.sock): root on the host. */
export const RUNTIME_SOCKET_RE = /\.sock$/;

/** The entry keys that hand the container power over the host; only an admin may ask for them. */
export const ELEVATED_KEYS = ["privileged", "cap_add", "network_mode", "pid_mode", "ipc_mode", "devices"] as const;
export type ElevatedKey = (typeof ELEVATED_KEYS)[number];

export interface AppPolicy {
  /** Nautobot role names of the hosts apps may run on. */
  dockerHostRoles: readonly string[];
  /** Bind-mount sources must lie strictly below one of these directories. */
  hostPathRoots: readonly string[];
}

/** Every string in a value (keys included), with where it is, e.g. `env.A`. */
export function* stringsIn(value: unknown, path = ""): Generator<{ path: string; value: string }> {
  if (typeof value === "string") yield { path, value };
  else if (Array.isArray(value)) for (const [i, v] of value.entries()) yield* stringsIn(v, `${path}[${i}]`);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const p = path ? `${path}.${k}` : k;
      yield { path: `${p} (the key)`, value: k };
      yield* stringsIn(v, p);
    }
  }
}

/** Where the first Jinja marker is (`env.A`), or undefined. */
export function templatedField(value: unknown): string | undefined {
  for (const s of stringsIn(value)) if (TEMPLATE_MARKER_RE.test(s.value)) return s.path || "(value)";
  return undefined;
}

/**
 * Why a bind-mount source may not be mounted, or undefined when it may: absolute, no `.`/`..`/empty segments,
 * strictly below a configured root, not a system directory, not a container runtime's socket.
 */
export function hostPathProblem(path: string, roots: readonly string[]): string | undefined {
  if (!path.startsWith("/")) return `\`${path}\` is not an absolute path`;
  if (RUNTIME_SOCKET_RE.test(path)) return `\`${path}\` is a container runtime socket (root on the host)`;
  if (isSystemPath(path)) return `\`${path}\` is a system directory`;
  const segments = path.split("/").slice(1);
  if (segments.some((s) => s === ".." || s === ".")) return `\`${path}\` contains a \`.\` or \`..\` segment`;
  if (segments.some((s) => s === "") || path.includes("\\")) return `\`${path}\` is not a clean path (empty segment or backslash)`;
  if (!roots.some((r) => path.startsWith(`${r}/`))) return `\`${path}\` is not under ${roots.map((r) => `\`${r}/\``).join(", ")}`;
  return undefined;
}

/** A volume is `source:target[:ro|rw]`; the source is a host path when it starts with `/`, `.` or `~`. */
export function volumeProblem(volume: string, roots: readonly string[]): string | undefined {
  const parts = volume.split(":");
  const [source = "", target = ""] = parts;
  if (parts.length < 2 || parts.length > 3 || (parts.length === 3 && !["ro", "rw"].includes(parts[2]!))) {
    return `volume \`${volume}\` is not name:/path or /host/path:/path[:ro|rw]`;
  }
  if (!target.startsWith("/") || target.split("/").includes("..")) return `volume \`${volume}\`: the container path must be absolute, without \`..\``;
  if (/^[/.~]/.test(source)) {
    const p = hostPathProblem(source, roots);
    return p ? `volume \`${volume}\`: ${p}` : undefined;
  }
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(source)) return `volume \`${volume}\`: \`${source}\` is not a volume name`;
  return undefined;
}

/** The elevated options an entry asks for (set to a true, non-empty value), as people read them. */
export function elevatedOptions(entry: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (entry.privileged) out.push("privileged mode");
  if (Array.isArray(entry.cap_add) && entry.cap_add.length) out.push(`added capabilities (${entry.cap_add.join(", ")})`);
  if (entry.network_mode) out.push(`network_mode ${String(entry.network_mode)}`);
  if (entry.pid_mode) out.push(`pid_mode ${String(entry.pid_mode)}`);
  if (entry.ipc_mode) out.push(`ipc_mode ${String(entry.ipc_mode)}`);
  if (Array.isArray(entry.devices) && entry.devices.length) out.push(`devices (${entry.devices.join(", ")})`);
  return out;
}

/**
 * Every reason the entry may not be deployed as it stands (empty when it may): template markers anywhere,
 * host paths outside the roots, the `host` network, and elevated options unless `allowElevated`.
 * A templated entry is reported for that alone: its other values are not read further.
 */
export function entryProblems(entry: Record<string, unknown>, policy: AppPolicy, o: { allowElevated: boolean }): string[] {
  const templated = templatedField(entry);
  if (templated) return [`\`${templated}\` contains a template marker ({{, {% or {#); app_list values are data, never templates`];
  const problems: string[] = [];
  for (const v of Array.isArray(entry.volumes) ? entry.volumes : []) {
    const p = typeof v === "string" ? volumeProblem(v, policy.hostPathRoots) : "a volume is not a string";
    if (p) problems.push(p);
  }
  for (const n of Array.isArray(entry.networks) ? entry.networks : []) {
    if (n === "host") problems.push("network `host` shares the host's network stack: use --host-network, which needs an admin");
  }
  for (const d of Array.isArray(entry.devices) ? entry.devices : []) {
    if (typeof d !== "string" || !/^\/dev\/[A-Za-z0-9][A-Za-z0-9_./-]*(:\/dev\/[A-Za-z0-9][A-Za-z0-9_./-]*)?(:[rwm]{1,3})?$/.test(d) || d.includes("..")) {
      problems.push(`device \`${String(d)}\` is not /dev/X[:/dev/Y][:rwm]`);
    }
  }
  const elevated = elevatedOptions(entry);
  if (elevated.length && !o.allowElevated) problems.push(`it asks for ${elevated.join(", ")}, which only an admin may allow`);
  return problems;
}
