import type { AxiosInstance } from "axios";
import { z } from "zod";
import { ApiError } from "../errors.ts";
import { HttpApi } from "./http.ts";

/** Where self-hosted runners are registered: an organisation, or one repository. */
export type RunnerScope = { org: string } | { owner: string; repo: string };

/** A self-hosted runner as `GET …/actions/runners` lists it. */
export const GitHubRunnerSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  os: z.string().optional(),
  status: z.string(), // "online" | "offline"
  busy: z.boolean(),
});
export type GitHubRunner = z.infer<typeof GitHubRunnerSchema>;

const RunnerPageSchema = z.object({ total_count: z.number().int().min(0), runners: z.array(GitHubRunnerSchema) });

export interface GitHubClientOptions {
  /** REST API root: `https://api.github.com`, or `https://HOST/api/v3` for GitHub Enterprise Server. */
  url: string;
  /** A fine-grained token with "Administration: write" on the repository (or "Self-hosted runners: write" on the org). Never logged. */
  token: string;
  scope: RunnerScope;
  timeoutMs?: number | undefined;
  caPem?: string | undefined;
  onError?: ((e: ApiError) => void) | undefined;
  http?: AxiosInstance | undefined;
}

type Opts = { signal?: AbortSignal | undefined };

/** Page size GitHub allows at most. */
const PER_PAGE = 100;
/** Enough pages for 10,000 runners; a server that keeps answering full pages is not followed further. */
const MAX_PAGES = 100;

/** GitHub's REST API, for the self-hosted runners labops creates (and removes again with `/runner destroy`). */
export class GitHubClient {
  readonly #api: HttpApi;
  readonly scope: RunnerScope;

  constructor(opts: GitHubClientOptions) {
    this.scope = opts.scope;
    this.#api = new HttpApi({
      service: "github",
      baseUrl: opts.url,
      headers: { authorization: `Bearer ${opts.token}`, accept: "application/vnd.github+json", "x-github-api-version": "2022-11-28" },
      timeoutMs: opts.timeoutMs,
      caPem: opts.caPem,
      onError: opts.onError,
      http: opts.http,
      reasonOf: (res) => {
        const b = res.data as { message?: unknown } | undefined;
        return typeof b?.message === "string" ? b.message : undefined;
      },
    });
  }

  /** `org` or `owner/repo`, as the settings and the runner's registration URL name it. */
  get scopeName(): string {
    return "org" in this.scope ? this.scope.org : `${this.scope.owner}/${this.scope.repo}`;
  }

  /** GET /repos/{owner}/{repo}/actions/runners (or /orgs/{org}/…), every page of 100. Read-only. */
  async listRunners({ signal }: Opts = {}): Promise<GitHubRunner[]> {
    const all: GitHubRunner[] = [];
    for (let page = 1; page <= MAX_PAGES; page++) {
      const res = await this.#api.call({ method: "GET", path: this.#runnersPath(), params: { per_page: PER_PAGE, page }, signal }, RunnerPageSchema);
      all.push(...res.runners);
      if (res.runners.length < PER_PAGE || all.length >= res.total_count) break;
    }
    return all;
  }

  /** The runner registered under `name`, or undefined. */
  async findRunner(name: string, opts: Opts = {}): Promise<GitHubRunner | undefined> {
    return (await this.listRunners(opts)).find((r) => r.name === name);
  }

  /**
   * DELETE /repos/{owner}/{repo}/actions/runners/{runner_id} (or the org's): removes the runner from GitHub.
   * Idempotent in effect: a runner already gone answers "gone" (404) instead of throwing. GitHub refuses (422)
   * to remove a runner that is running a job; that is an ApiError with status 422.
   */
  async deleteRunner(id: number, { signal }: Opts = {}): Promise<"deleted" | "gone"> {
    try {
      await this.#api.send({ method: "DELETE", path: `${this.#runnersPath()}/${id}`, signal });
      return "deleted";
    } catch (err) {
      if (err instanceof ApiError && err.status === 404) return "gone";
      throw err;
    }
  }

  #runnersPath(): string {
    const s = this.scope;
    return "org" in s
      ? `orgs/${encodeURIComponent(s.org)}/actions/runners`
      : `repos/${encodeURIComponent(s.owner)}/${encodeURIComponent(s.repo)}/actions/runners`;
  }
}
