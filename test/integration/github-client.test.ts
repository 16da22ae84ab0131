import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GitHubClient } from "../../src/clients/github.ts";
import { loadConfig } from "../../src/config.ts";
import { ApiError } from "../../src/errors.ts";
import { FakeGitHub } from "../../lab/github/fake-github.ts";

describe("GitHub client against the fake GitHub (self-hosted runners REST API)", () => {
  const gh = new FakeGitHub({ scopes: ["acme/infra", "acme"] });
  let url = "";
  beforeAll(async () => {
    url = await gh.start();
    for (let i = 1; i <= 150; i++) gh.register("acme/infra", `runner${String(i).padStart(3, "0")}`);
    gh.register("acme", "org-runner");
  });
  afterAll(() => gh.close());

  it("lists every page of a repository's runners, 100 at a time, with GitHub's headers", async () => {
    const client = new GitHubClient({ url, token: gh.token, scope: { owner: "acme", repo: "infra" } });
    const runners = await client.listRunners();
    expect(runners).toHaveLength(150);
    expect(new Set(runners.map((r) => r.id)).size).toBe(150);
    const gets = gh.http.requests.filter((r) => r.path === "/repos/acme/infra/actions/runners");
    expect(gets.map((r) => r.query.get("page"))).toEqual(["1", "2"]);
    expect(gets[0]!.query.get("per_page")).toBe("100");
    expect(gets[0]!.headers.authorization).toBe(`Bearer ${gh.token}`);
    expect(gets[0]!.headers.accept).toBe("application/vnd.github+json");
    expect(gets[0]!.headers["x-github-api-version"]).toBe("2022-11-28");
  });

  it("removes an org runner; a second removal is 'gone'; a busy runner is refused with 422", async () => {
    const client = new GitHubClient({ url, token: gh.token, scope: { org: "acme" } });
    const r = await client.findRunner("org-runner");
    expect(r).toMatchObject({ name: "org-runner", status: "online", busy: false });
    expect(await client.deleteRunner(r!.id)).toBe("deleted");
    expect(await client.deleteRunner(r!.id)).toBe("gone");
    expect(gh.runners("acme")).toHaveLength(0);

    const repo = new GitHubClient({ url, token: gh.token, scope: { owner: "acme", repo: "infra" } });
    gh.setBusy("acme/infra", "runner001", true);
    const busy = (await repo.findRunner("runner001"))!;
    const err = await repo.deleteRunner(busy.id).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(422);
    expect(gh.runners("acme/infra").some((x) => x.name === "runner001")).toBe(true);
  });

  it("maps a bad token and an unknown repository to ApiErrors that never carry the token", async () => {
    const bad = new GitHubClient({ url, token: "github_pat_wrong", scope: { owner: "acme", repo: "infra" } });
    const e401 = (await bad.listRunners().catch((e: unknown) => e)) as ApiError;
    expect(e401.status).toBe(401);
    expect(e401.reason).toBe("Bad credentials");
    expect(String(e401.message)).not.toContain("github_pat_wrong");
    const missing = new GitHubClient({ url, token: gh.token, scope: { owner: "acme", repo: "nope" } });
    expect(((await missing.listRunners().catch((e: unknown) => e)) as ApiError).status).toBe(404);
  });

  it("reads GITHUB_RUNNER_URL as the registration URL: org or repository, github.com or Enterprise Server", () => {
    const base = { LABOPS_CONFIG: "/dev/null", GITHUB_TOKEN: "github_pat_x" };
    expect(loadConfig({ ...base, GITHUB_RUNNER_URL: "https://github.com/acme/infra" }).github).toMatchObject({ url: "https://api.github.com", scope: { owner: "acme", repo: "infra" } });
    expect(loadConfig({ ...base, GITHUB_RUNNER_URL: "https://github.com/acme/" }).github).toMatchObject({ scope: { org: "acme" } });
    expect(loadConfig({ ...base, GITHUB_RUNNER_URL: "https://ghe.corp/acme" }).github?.url).toBe("https://ghe.corp/api/v3");
    expect(loadConfig({ ...base, GITHUB_RUNNER_URL: "https://github.com/acme/infra" }).secrets).toContain("github_pat_x");
    expect(() => loadConfig({ ...base })).toThrow(/GITHUB_RUNNER_URL: required when GITHUB_TOKEN is set/);
    expect(() => loadConfig({ ...base, GITHUB_RUNNER_URL: "http://github.com/a/b/c" })).toThrow(/GITHUB_RUNNER_URL/);
  });
});
