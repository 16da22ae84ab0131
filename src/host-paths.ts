/**
 * Host paths labops never mounts, and the check of a configured volume root. Shared by the settings
 * (`config.ts`, which refuses a bad root at start) and the app policy (`appcatalog/app-policy.ts`).
 */
/** Directories nothing is ever mounted from, nor below, whatever the configured roots say. */
export const SYSTEM_DIRS = [
  "/bin", "/boot", "/dev", "/etc", "/lib", "/lib32", "/lib64", "/libx32", "/proc", "/root", "/run", "/sbin", "/snap", "/sys", "/usr",
  "/var/run", "/var/lib/docker", "/var/lib/containerd", "/var/lib/kubelet",
] as const;
/** Directories that are never mounted (or used as a root) themselves: they hold the system's other trees. */
const SYSTEM_PARENTS = ["/", "/home", "/var", "/var/lib"];

/** True for `/`, a system directory, or anything below one. */
export function isSystemPath(path: string): boolean {
  return SYSTEM_PARENTS.includes(path) || SYSTEM_DIRS.some((d) => path === d || path.startsWith(`${d}/`));
}

/** Problems with a configured root (loadConfig refuses these): absolute, normalised, not a system directory. */
export function rootProblem(root: string): string | undefined {
  if (!root.startsWith("/") || root.length < 2 || root.endsWith("/")) return `"${root}" must be an absolute directory without a trailing slash`;
  if (root.split("/").slice(1).some((s) => s === "" || s === "." || s === "..")) return `"${root}" must not contain empty, . or .. segments`;
  if (isSystemPath(root)) return `"${root}" is a system directory`;
  return undefined;
}
