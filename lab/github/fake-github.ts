/**
 * A fake of GitHub's REST API for self-hosted runners, as api.github.com answers it (API version 2022-11-28):
 * `GET /repos/{owner}/{repo}/actions/runners` and `/orgs/{org}/actions/runners` (paginated: `per_page` at
 * most 100, default 30, `page` from 1, a `Link` header with rel="next"/"last"), `DELETE …/runners/{id}` (204;
 * 404 for an unknown id; 422 while the runner runs a job), and GitHub's error bodies (`message`,
 * `documentation_url`, `status`). A repository or org the token cannot see answers 404, as GitHub does.
 */
import { randomBytes } from "node:crypto";
import { FakeHttpServer, type FakeRequest, type FakeResponse } from "../fake-http.ts";

export interface FakeRunner {
  id: number;
  name: string;
  os: string;
  status: "online" | "offline";
  busy: boolean;
  labels: string[];
}

const DOCS = "https://docs.github.com/rest/actions/self-hosted-runners";

function problem(status: number, message: string): FakeResponse {
  return { status, body: { message, documentation_url: DOCS, status: String(status) } };
}

export class FakeGitHub {
  readonly http = new FakeHttpServer("github");
  readonly token = `github_pat_${randomBytes(16).toString("hex")}`;
  /** Runners by scope (`org` or `owner/repo`); a scope that is not here answers 404. */
  readonly #scopes = new Map<string, FakeRunner[]>();
  #nextId = 1;
  #url = "";

  constructor(opts: { scopes?: string[] | undefined } = {}) {
    for (const s of opts.scopes ?? []) this.#scopes.set(s, []);
    this.http.guard = (req) => this.#auth(req);
    this.http.responseHeaders = () => ({ "x-github-api-version-selected": "2022-11-28" });
    for (const [prefix, scopeOf] of [
      ["/repos/:owner/:repo", (p: Record<string, string>) => `${p.owner}/${p.repo}`],
      ["/orgs/:org", (p: Record<string, string>) => p.org!],
    ] as const) {
      this.http.route("GET", `${prefix}/actions/runners`, (req, p) => this.#list(req, scopeOf(p)));
      this.http.route("GET", `${prefix}/actions/runners/:id`, (_req, p) => this.#get(scopeOf(p), p.id!));
      this.http.route("DELETE", `${prefix}/actions/runners/:id`, (_req, p) => this.#delete(scopeOf(p), p.id!));
    }
  }

  async start(): Promise<string> {
    this.#url = await this.http.listen();
    return this.#url;
  }

  close(): Promise<void> {
    return this.http.close();
  }

  /** What `config.sh --url https://github.com/<scope> --name <name> --replace` does: (re)registers the runner, online. */
  register(scope: string, name: string, labels: string[] = ["self-hosted", "Linux", "X64"]): FakeRunner {
    const list = this.#scopes.get(scope);
    if (!list) throw new Error(`no GitHub scope ${scope}`);
    const old = list.findIndex((r) => r.name === name);
    if (old >= 0) list.splice(old, 1); // --replace
    const runner: FakeRunner = { id: this.#nextId++, name, os: "Linux", status: "online", busy: false, labels };
    list.push(runner);
    return runner;
  }

  /** A workflow job picks the runner up (busy) or ends (idle). */
  setBusy(scope: string, name: string, busy: boolean): void {
    const r = this.runners(scope).find((x) => x.name === name);
    if (!r) throw new Error(`no runner ${name} in ${scope}`);
    r.busy = busy;
  }

  /** The runner's service stopped (its container is gone): GitHub shows it offline until it is removed. */
  setOffline(scope: string, name: string): void {
    const r = this.runners(scope).find((x) => x.name === name);
    if (r) Object.assign(r, { status: "offline", busy: false });
  }

  runners(scope: string): FakeRunner[] {
    return this.#scopes.get(scope) ?? [];
  }

  #auth(req: FakeRequest): FakeResponse | undefined {
    const h = req.headers.authorization ?? "";
    if (!h) return problem(401, "Requires authentication");
    const m = /^(?:Bearer|token) (\S+)$/i.exec(h);
    if (!m || m[1] !== this.token) return problem(401, "Bad credentials");
    return undefined;
  }

  #list(req: FakeRequest, scope: string): FakeResponse {
    const list = this.#scopes.get(scope);
    if (!list) return problem(404, "Not Found");
    const perPage = Math.min(100, Math.max(1, Number(req.query.get("per_page") ?? 30) || 30));
    const page = Math.max(1, Number(req.query.get("page") ?? 1) || 1);
    const last = Math.max(1, Math.ceil(list.length / perPage));
    const slice = list.slice((page - 1) * perPage, page * perPage);
    const link = (n: number, rel: string) => `<${this.#url}${req.path}?per_page=${perPage}&page=${n}>; rel="${rel}"`;
    const links = [...(page < last ? [link(page + 1, "next"), link(last, "last")] : []), ...(page > 1 ? [link(1, "first"), link(page - 1, "prev")] : [])];
    return {
      status: 200,
      body: { total_count: list.length, runners: slice.map(view) },
      ...(links.length ? { headers: { link: links.join(", ") } } : {}),
    };
  }

  #get(scope: string, id: string): FakeResponse {
    const r = this.#scopes.get(scope)?.find((x) => String(x.id) === id);
    return r ? { status: 200, body: view(r) } : problem(404, "Not Found");
  }

  #delete(scope: string, id: string): FakeResponse {
    const list = this.#scopes.get(scope);
    const i = list?.findIndex((x) => String(x.id) === id) ?? -1;
    if (!list || i < 0) return problem(404, "Not Found");
    const r = list[i]!;
    if (r.busy) return problem(422, `Bad request - Runner "${r.name}" is still running a job"`);
    list.splice(i, 1);
    return { status: 204 };
  }
}

function view(r: FakeRunner) {
  return {
    id: r.id, name: r.name, os: r.os, status: r.status, busy: r.busy, ephemeral: false,
    labels: r.labels.map((name, i) => ({ id: i + 1, name, type: i < 3 ? "read-only" : "custom" })),
  };
}
