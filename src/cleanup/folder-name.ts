/**
 * Folder-name safety for /cleanup-ocp: pure functions, no I/O. A name that passes is a bare, printable-ASCII
 * folder name that can only ever mean one direct child of the share, whatever decodes or normalises it later.
 */
import { UserError } from "../errors.ts";

/** The playbook's `cleanup_safe_name`: bare names only, no leading dot or dash, at most 128 characters. */
export const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/** Why a name is refused, or undefined when it is safe and matches `pattern`. */
export function folderNameProblem(name: unknown, pattern: RegExp): string | undefined {
  if (typeof name !== "string") return "not a string";
  if (name.length === 0) return "empty name";
  if (name === "." || name === "..") return "a relative path component";
  if (name.includes("/") || name.includes("\\")) return "contains a path separator";
  if (name.includes("\0")) return "contains NUL";
  if (name.includes("%")) return "contains a percent-encoded escape";
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) return "contains a control character";
  if (/[^\x20-\x7e]/.test(name)) return "contains non-ASCII characters (look-alikes are refused)";
  if (name.includes("..")) return "contains `..`";
  if (!SAFE_NAME.test(name)) return "not a bare folder name (letters, digits, . _ -; no leading . or -)";
  if (name.normalize("NFKC") !== name) return "not in normal form";
  if (!pattern.test(name)) return `does not match the OCP pattern ${pattern.source}`;
  return undefined;
}

export function isSafeFolderName(name: unknown, pattern: RegExp): name is string {
  return folderNameProblem(name, pattern) === undefined;
}

/**
 * Compiles the configured OCP pattern. It must be anchored at both ends (`^…$`), so it can never match a
 * name only in part; flags are never applied (no `m`: a trailing newline cannot slip through).
 */
export function compileOcpPattern(source: string): RegExp {
  if (!source.startsWith("^") || !source.endsWith("$") || source.endsWith("\\$")) {
    throw new UserError("cleanup_pattern", "truenas.ocpPattern must be anchored with ^ and $; nothing was listed.");
  }
  try {
    return new RegExp(source);
  } catch {
    throw new UserError("cleanup_pattern", "truenas.ocpPattern is not a valid regular expression; nothing was listed.");
  }
}
