import { describe, expect, it } from "vitest";
import { foldEvents } from "../../src/clients/aap-progress.ts";
import type { Job } from "../../src/clients/aap.ts";
import type { JobEvent } from "../../src/clients/aap-schemas.ts";
import { aapStatusLine, hostCountsLine } from "../../src/deploy/aap-view.ts";

let counter = 0;
const ev = (event: string, data: Record<string, unknown> = {}, extra: Partial<JobEvent> = {}): JobEvent =>
  ({ id: ++counter, counter, event, event_data: data, failed: false, changed: false, host_name: "", play: "Deploy traefik", task: "", role: "", stdout: "", ...extra }) as JobEvent;
const task = (name: string) => ev("playbook_on_task_start", { task: name }, { task: name });
const ok = (host: string, changed = false) => ev("runner_on_ok", { host, res: { changed } }, { host_name: host, changed });

describe("AAP progress lines for people", () => {
  const job = { id: 42, status: "running" } as Job;

  it("pluralises the task count: 1 task done, 2 tasks done", () => {
    const one = foldEvents(undefined, [ev("playbook_on_play_start", { name: "Deploy traefik" }), task("a"), ok("edge01"), task("b")]);
    expect(aapStatusLine(job, one)).toBe("AAP job 42 running · play Deploy traefik · task b · 1 task done");
    const two = foldEvents(one, [ok("edge01", true), task("c")]);
    expect(aapStatusLine(job, two)).toContain("· 2 tasks done");
  });

  it("host counts are the play recap's numbers once playbook_on_stats arrives, per host as Ansible prints them", () => {
    const running = foldEvents(undefined, [task("a"), ok("edge01", true), ok("edge01"), ev("runner_on_skipped", { host: "edge01" }, { host_name: "edge01" })]);
    expect(hostCountsLine(running)).toBe("so far: edge01 ok=2 changed=1 unreachable=0 failed=0 skipped=1");
    // The recap is what Ansible printed (here it counts one more ok and change than the events we saw): it wins.
    const recap = foldEvents(running, [ev("playbook_on_stats", { ok: { edge01: 3, docker01: 1 }, changed: { edge01: 2 }, failures: { docker01: 1 }, dark: {}, skipped: { edge01: 1 } })]);
    expect(hostCountsLine(recap)).toBe("play recap: docker01 ok=1 changed=0 unreachable=0 failed=1 skipped=0 · edge01 ok=3 changed=2 unreachable=0 failed=0 skipped=1");
    expect(hostCountsLine(foldEvents(undefined, []))).toBe("so far: no host has reported yet");
    const many = foldEvents(undefined, [ev("playbook_on_stats", { ok: { a: 1, b: 1, c: 1, d: 1 } })]);
    expect(hostCountsLine(many)).toMatch(/ · and 1 more host$/);
  });
});
