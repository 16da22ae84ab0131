import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError } from "../errors.ts";

export interface GitSettings {
  /** URL or path of the repository Nautobot syncs from (GIT_REMOTE). */
  remote: string;
  branch: string;
  authorName: string;
  authorEmail: string;
  timeoutMs?: number | undefined;
}

/** Credentials in a remote URL (`https://user:token@host`) never reach a log or a message. */
const redact = (s: string) => s.replace(/\/\/[^/@\s]+@/g, "//***@");

/**
 * A throwaway clone of the app_list repository in its own temp dir, driven through the git CLI with
 * execFile (never a shell). Identity comes from config via `-c`, not from the machine's git config;
 * hooks and credential prompts are off. Call `dispose()` when done.
 */
export class GitWorkspace {
  private constructor(
    readonly dir: string,
    private readonly parent: string,
    private readonly o: GitSettings,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** `git clone --branch <branch> --single-branch <remote>` into a fresh temp dir. */
  static async clone(o: GitSettings, signal?: AbortSignal): Promise<GitWorkspace> {
    const parent = await mkdtemp(join(tmpdir(), "labops-app-list-"));
    const ws = new GitWorkspace(join(parent, "repo"), parent, o, signal);
    try {
      await ws.git(["clone", "--quiet", "--branch", o.branch, "--single-branch", "--", o.remote, ws.dir], parent);
    } catch (err) {
      await ws.dispose();
      throw err;
    }
    return ws;
  }

  read(path: string): Promise<string> {
    return readFile(join(this.dir, path), "utf8");
  }

  write(path: string, text: string): Promise<void> {
    return writeFile(join(this.dir, path), text, "utf8");
  }

  /** The newest commit on the remote branch whose message contains `marker` (fixed string), if any. */
  async findCommit(marker: string): Promise<string | undefined> {
    const out = await this.git(["log", `origin/${this.o.branch}`, "--fixed-strings", `--grep=${marker}`, "--format=%H", "-n", "1"]);
    return out || undefined;
  }

  /** Commits one file; returns the new commit's sha. */
  async commit(path: string, message: string): Promise<string> {
    await this.git(["add", "--", path]);
    await this.git(["commit", "--quiet", "-m", message]);
    return this.git(["rev-parse", "HEAD"]);
  }

  /** Pushes HEAD to the branch. "rejected" when the remote moved on (non-fast-forward); other failures throw. */
  async push(): Promise<"pushed" | "rejected"> {
    try {
      await this.git(["push", "--quiet", "origin", `HEAD:refs/heads/${this.o.branch}`]);
      return "pushed";
    } catch (err) {
      if (err instanceof ApiError && /non-fast-forward|fetch first|\[rejected\]|failed to push/i.test(err.reason)) return "rejected";
      throw err;
    }
  }

  async dispose(): Promise<void> {
    await rm(this.parent, { recursive: true, force: true });
  }

  /** Runs git; resolves with trimmed stdout; rejects with an ApiError (service git) carrying stderr's last line. */
  git(args: string[], cwd = this.dir): Promise<string> {
    const { authorName, authorEmail } = this.o;
    const full = [
      "-c", `user.name=${authorName}`, "-c", `user.email=${authorEmail}`, "-c", "commit.gpgsign=false",
      "-c", "core.askPass=true", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main",
      // An HTTP remote that redirects is an error, not followed: the repository is the one configured, no other host.
      "-c", "http.followRedirects=false", ...args,
    ];
    return new Promise((resolve, reject) => {
      execFile("git", full, { cwd, timeout: this.o.timeoutMs ?? 60_000, signal: this.signal, maxBuffer: 8 << 20 }, (err, stdout, stderr) => {
        if (!err) return resolve(stdout.trim());
        const lines = String(stderr).split("\n").map((l) => l.trim()).filter(Boolean);
        const reason = redact(lines.filter((l) => !l.startsWith("hint:")).slice(-2).join(" / ") || err.message);
        reject(new ApiError("git", undefined, "git", args[0] ?? "git", reason, { cause: err }));
      });
    });
  }
}
