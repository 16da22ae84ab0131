import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AapClient } from "../../src/clients/aap.ts";
import { GitWorkspace } from "../../src/appcatalog/git-app-list.ts";
import { GitMirror } from "../../src/gitops/git-mirror.ts";
import { NautobotClient } from "../../src/clients/nautobot.ts";
import { ProxmoxClient } from "../../src/clients/proxmox.ts";
import { ForeignLinkError } from "../../src/errors.ts";
import { FakeAap } from "../../lab/aap/fake-aap.ts";
import { FakeHttpServer } from "../../lab/fake-http.ts";
import { FakeNautobot } from "../../lab/nautobot/fake-nautobot.ts";
import { FakeProxmox } from "../../lab/proxmox/fake-proxmox.ts";

/**
 * An upstream answer that names another origin (a `next` link, a redirect) must not receive the token: the
 * "other host" is a second local server on another port that records every request it gets.
 */
describe("links and redirects to another origin are refused before anything is sent", () => {
  const aap = new FakeAap({ stepMs: 5, pendingMs: 5 });
  const nautobot = new FakeNautobot();
  const proxmox = new FakeProxmox();
  const elsewhere = new FakeHttpServer("elsewhere");
  let elsewhereUrl = "";
  let aapUrl = "";
  let template: unknown;
  let aapClient: AapClient;
  let nautobotClient: NautobotClient;
  let proxmoxClient: ProxmoxClient;

  beforeAll(async () => {
    elsewhere.route("GET", "/api/v2/job_templates/", () => ({ status: 200, body: { count: 0, next: null, previous: null, results: [] } }));
    elsewhere.route("GET", "/api/dcim/devices/", () => ({ status: 200, body: { count: 0, next: null, previous: null, results: [] } }));
    elsewhereUrl = await elsewhere.listen();
    aapUrl = await aap.start();
    aapClient = new AapClient({ url: aapUrl, token: aap.token });
    const listed = await fetch(`${aapUrl}/api/v2/job_templates/?name=Master%20Deploy`, { headers: { Authorization: `Bearer ${aap.token}` } });
    template = ((await listed.json()) as { results: unknown[] }).results[0];
    nautobotClient = new NautobotClient({ url: await nautobot.start(), token: nautobot.token });
    proxmoxClient = new ProxmoxClient({ url: await proxmox.start(), token: proxmox.token, caPem: proxmox.caPem });
  });
  afterAll(async () => {
    await Promise.all([aap.close(), nautobot.close(), proxmox.close(), elsewhere.close()]);
  });

  const onePage = (next: string) => ({
    count: 2,
    next,
    previous: null,
    results: [template],
  });

  it("AAP: an absolute `next` naming another host is refused, and that host gets no request", async () => {
    const before = elsewhere.requests.length;
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, body: onePage(`${elsewhereUrl}/api/v2/job_templates/?page=2`) });
    const err = await aapClient.findJobTemplate("Master Deploy").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).linkOrigin).toBe(elsewhereUrl);
    expect((err as ForeignLinkError).retryable).toBe(false);
    // The operator's line names the link's origin; the person's message does not.
    expect((err as ForeignLinkError).message).toContain(elsewhereUrl);
    expect((err as ForeignLinkError).userMessage).not.toContain("127.0.0.1");
    expect(elsewhere.requests.length).toBe(before);
  });

  it("AAP: a protocol-relative `next` (//host:port/...) is refused too", async () => {
    const before = elsewhere.requests.length;
    const hostPort = new URL(elsewhereUrl).host;
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, body: onePage(`//${hostPort}/api/v2/job_templates/?page=2`) });
    const err = await aapClient.findJobTemplate("Master Deploy").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).linkOrigin).toBe(elsewhereUrl);
    expect(elsewhere.requests.length).toBe(before);
  });

  it("AAP: a same-host link on another scheme or port is another origin", async () => {
    const host = new URL(aapUrl).host;
    const before = elsewhere.requests.length;
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, body: onePage(`https://${host}/api/v2/job_templates/?page=2`) });
    const err = await aapClient.findJobTemplate("Master Deploy").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).linkOrigin).toBe(`https://${host}`);
    expect(elsewhere.requests.length).toBe(before);
  });

  it("AAP: a redirect to another host is not followed and carries no token there", async () => {
    const before = elsewhere.requests.length;
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 302, times: 1, headers: { location: `${elsewhereUrl}/api/v2/job_templates/` } });
    const err = await aapClient.findJobTemplate("Master Deploy").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).linkOrigin).toBe(elsewhereUrl);
    expect(elsewhere.requests.length).toBe(before);
  });

  it("AAP: relative and same-origin links are still followed", async () => {
    // A second page on the configured origin, given as a host-relative path (as AWX does), then an absolute one.
    const page2 = { count: 1, next: `${aapUrl}/api/v2/job_templates/?page=3`, previous: null, results: [] };
    const page3 = { count: 1, next: null, previous: null, results: [] };
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, match: (r) => r.query.get("page") === "3", body: page3 });
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, match: (r) => r.query.get("page") === "2", body: page2 });
    aap.http.inject({ method: "GET", path: "/api/v2/job_templates/", status: 200, times: 1, body: onePage("/api/v2/job_templates/?page=2") });
    const jt = await aapClient.findJobTemplate("Master Deploy");
    expect(jt.name).toBe("Master Deploy");
    expect(aap.http.requests.some((r) => r.path === "/api/v2/job_templates/" && r.query.get("page") === "3")).toBe(true);
  });

  it("Nautobot: an absolute `next` to another host is refused and that host gets no request", async () => {
    const before = elsewhere.requests.length;
    nautobot.http.inject({
      method: "GET",
      path: "/api/dcim/devices/",
      status: 200,
      times: 1,
      body: { count: 2, next: `${elsewhereUrl}/api/dcim/devices/?limit=1&offset=1`, previous: null, results: [] },
    });
    const err = await nautobotClient.listHosts().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).service).toBe("nautobot");
    expect((err as ForeignLinkError).linkOrigin).toBe(elsewhereUrl);
    expect(elsewhere.requests.length).toBe(before);
  });

  it("Nautobot: its own absolute `next` links (same origin) are followed", async () => {
    const hosts = await nautobotClient.listHosts({ pageSize: 1 });
    expect(hosts.length).toBeGreaterThan(1);
    expect(nautobot.http.requests.some((r) => r.path === "/api/dcim/devices/" && r.query.get("offset") === "1")).toBe(true);
  });

  it("Proxmox: a redirect to another host is refused", async () => {
    const before = elsewhere.requests.length;
    proxmox.http.inject({ method: "GET", path: "/api2/json/cluster/nextid", status: 307, times: 1, headers: { location: `${elsewhereUrl}/api2/json/cluster/nextid` } });
    const err = await proxmoxClient.nextId().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ForeignLinkError);
    expect((err as ForeignLinkError).service).toBe("proxmox");
    expect(elsewhere.requests.length).toBe(before);
  });

  it("a redirect on the same origin is reported, not followed", async () => {
    proxmox.http.inject({ method: "GET", path: "/api2/json/cluster/nextid", status: 301, times: 1, headers: { location: "/api2/json/cluster/nextid/" } });
    const before = proxmox.http.count("GET", /^\/api2\/json\/cluster\/nextid\/$/);
    const err = await proxmoxClient.nextId().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).not.toBeInstanceOf(ForeignLinkError);
    expect((err as Error).message).toMatch(/redirect to \/api2\/json\/cluster\/nextid\/ not followed/);
    expect(proxmox.http.count("GET", /^\/api2\/json\/cluster\/nextid\/$/)).toBe(before);
  });

  it("Git: an HTTP remote that redirects to another host is not followed (clone for /app add, ls-remote for GitOps)", async () => {
    const gitServer = new FakeHttpServer("git");
    gitServer.route("GET", "/labops.git/info/refs", (req) => ({ status: 302, headers: { location: `${elsewhereUrl}/labops.git/info/refs?${req.query.toString()}` } }));
    const gitUrl = await gitServer.listen();
    const remote = `${gitUrl.replace("http://", "http://labops:not-a-real-token@")}/labops.git`;
    try {
      const before = elsewhere.requests.length;
      const clone = await GitWorkspace.clone({ remote, branch: "main", authorName: "t", authorEmail: "t@lab.invalid", timeoutMs: 20_000 }).catch((e: unknown) => e);
      expect(clone).toBeInstanceOf(Error);
      expect((clone as Error).message).toMatch(/302/);
      expect((clone as Error).message).not.toContain("not-a-real-token");
      const mirror = new GitMirror({ remote, branch: "main", timeoutMs: 20_000 });
      const head = await mirror.head().catch((e: unknown) => e);
      await mirror.dispose();
      expect(head).toBeInstanceOf(Error);
      expect((head as Error).message).toMatch(/302/);
      expect(gitServer.count("GET", /^\/labops\.git\/info\/refs$/)).toBe(2);
      expect(elsewhere.requests.length).toBe(before);
    } finally {
      await gitServer.close();
    }
  }, 60_000);
});
