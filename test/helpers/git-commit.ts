import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** Commits to a bare repository as a person would: clone, edit files, commit, push (optionally forced). */
export function commitToRemote(remote: string, o: { author?: string; message: string; files: Record<string, (old: string) => string>; resetTo?: string | undefined; force?: boolean }): string {
  const dir = mkdtempSync(join(tmpdir(), "labops-test-commit-"));
  const author = o.author ?? "Ada Lovelace";
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", `user.name=${author}`, "-c", "user.email=ada@example.invalid", "-c", "commit.gpgsign=false", ...args], { cwd: dir, encoding: "utf8", stdio: "pipe" }).trim();
  try {
    git("clone", "-q", "--branch", "main", remote, ".");
    if (o.resetTo) git("reset", "-q", "--hard", o.resetTo);
    for (const [path, edit] of Object.entries(o.files)) {
      const full = join(dir, path);
      let old = "";
      try {
        old = readFileSync(full, "utf8");
      } catch {}
      writeFileSync(full, edit(old));
      git("add", "--", path);
    }
    git("commit", "-q", "-m", o.message);
    git("push", "-q", ...(o.force ? ["--force"] : []), "origin", "HEAD:refs/heads/main");
    return git("rev-parse", "HEAD");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
