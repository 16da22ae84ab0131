import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ApiError } from "../errors.ts";

/** One commit as the sync message lists it. */
export interface CommitInfo {
  sha: string;
  short: string;
  author: string;
  subject: string;
}

/** Credentials in a remote URL (`https://user:token@host`) never reach a log or a message. */
export const redactRemote = (s: string) => s.replace(/\/\/[^/@\s]+@/g, "//***@");

/**
 * A bare local copy of the watched branch, in a temp dir owned by this process, driven through the git CLI with
 * execFile (never a shell); prompts and hooks are off. `head()` asks the remote without fetching;
 * `fetch()` brings the branch (forced, so a rewritten branch is followed) and its objects.
 */
export class GitMirror {
  #dir: Promise<string> | undefined;
  #disposed = false;

  constructor(private readonly o: { remote: string; branch: string; timeoutMs?: number | undefined }) {}

  get ref(): string {
    return `refs/heads/${this.o.branch}`;
  }

  /** `git ls-remote <remote> refs/heads/<branch>`: the branch's commit on the remote. Throws ApiError(git) when unreachable or missing. */
  async head(signal?: AbortSignal): Promise<string> {
    const out = await this.git(["ls-remote", "--", this.o.remote, this.ref], await this.dir(), signal);
    const sha = out.split("\n").map((l) => l.split("\t")).find(([, ref]) => ref === this.ref)?.[0];
    if (!sha || !/^[0-9a-f]{40,64}$/.test(sha)) throw new ApiError("git", undefined, "git", "ls-remote", `branch ${this.o.branch} not found on the remote`);
    return sha;
  }

  async fetch(signal?: AbortSignal): Promise<void> {
    await this.git(["fetch", "--quiet", "--no-tags", "--force", "--", this.o.remote, `+${this.ref}:${this.ref}`], await this.dir(), signal);
  }

  async has(sha: string): Promise<boolean> {
    return this.git(["cat-file", "-e", `${sha}^{commit}`], await this.dir()).then(() => true, () => false);
  }

  /** Whether `older` is in `newer`'s history (a fast-forward); false also when `older` is unknown here. */
  async isAncestor(older: string, newer: string): Promise<boolean> {
    if (!(await this.has(older))) return false;
    return this.git(["merge-base", "--is-ancestor", older, newer], await this.dir()).then(() => true, () => false);
  }

  /** Commits in `to` not in `from` (newest first, at most `max`); without `from`, the last `max` of `to`. */
  async log(from: string | undefined, to: string, max = 20): Promise<CommitInfo[]> {
    const range = from && (await this.has(from)) ? [`${from}..${to}`] : [to];
    const out = await this.git(["log", `--max-count=${max}`, "--format=%H%x1f%h%x1f%an%x1f%s%x1e", ...range, "--"], await this.dir());
    return out.split("\x1e").map((r) => r.trim()).filter(Boolean).map((r) => {
      const [sha = "", short = "", author = "", subject = ""] = r.split("\x1f");
      return { sha, short, author, subject };
    });
  }

  /** The file at `path` in `rev`, or undefined when it does not exist there (or `rev` is unknown). */
  async show(rev: string, path: string): Promise<string | undefined> {
    return this.git(["show", `${rev}:${path}`], await this.dir(), undefined, false).catch(() => undefined);
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
    const dir = await this.#dir?.catch(() => undefined);
    this.#dir = undefined;
    if (dir) await rm(join(dir, ".."), { recursive: true, force: true });
  }

  private dir(): Promise<string> {
    // After dispose (shutdown), a late check must not leave a new temporary directory behind.
    if (this.#disposed) return Promise.reject(new Error("the Git mirror is closed"));
    this.#dir ??= (async () => {
      const parent = await mkdtemp(join(tmpdir(), "labops-gitops-"));
      const dir = join(parent, "mirror.git");
      try {
        await this.git(["init", "--quiet", "--bare", dir], parent);
      } catch (err) {
        await rm(parent, { recursive: true, force: true });
        throw err;
      }
      return dir;
    })();
    return this.#dir;
  }

  /** Runs git; resolves with stdout (trimmed unless `trim` is false); rejects with an ApiError (service git) carrying stderr's last lines. */
  private git(args: string[], cwd: string, signal?: AbortSignal, trim = true): Promise<string> {
    // http.followRedirects=false: an HTTP remote that redirects is an error, so no other host is asked for the branch.
    const full = ["-c", "core.askPass=true", "-c", "core.hooksPath=/dev/null", "-c", "init.defaultBranch=main", "-c", "credential.helper=", "-c", "http.followRedirects=false", ...args];
    return new Promise((resolve, reject) => {
      execFile("git", full, { cwd, timeout: this.o.timeoutMs ?? 30_000, signal, maxBuffer: 8 << 20, env: { ...process.env, GIT_TERMINAL_PROMPT: "0" } }, (err, stdout, stderr) => {
        if (!err) return resolve(trim ? stdout.trim() : stdout);
        const lines = String(stderr).split("\n").map((l) => l.trim()).filter((l) => l && !l.startsWith("hint:"));
        reject(new ApiError("git", undefined, "git", args[0] ?? "git", redactRemote(lines.slice(-2).join(" / ") || err.message), { cause: err }));
      });
    });
  }
}
