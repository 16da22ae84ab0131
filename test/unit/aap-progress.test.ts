import { describe, expect, it } from "vitest";
import { foldEvents } from "../../src/clients/aap-progress.ts";
import { JobEventSchema, page, type JobEvent } from "../../src/clients/aap-schemas.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const fixture = page(JobEventSchema).parse(upstreamJson("awx/job_events.excerpt.json")).results;

let counter = 0;
function ev(event: string, o: Partial<JobEvent> & { data?: Record<string, unknown> } = {}): JobEvent {
  const { data, ...rest } = o;
  counter++;
  return JobEventSchema.parse({ id: 1000 + counter, counter, event, event_data: data ?? {}, ...rest });
}

describe("foldEvents on the upstream AWX events", () => {
  it("reads play, task, host recap and last counter from the verbatim excerpt", () => {
    const p = foldEvents(undefined, fixture);
    expect(p.play).toBe("all");
    expect(p.task).toBe("debug");
    expect(p.tasksDone).toBe(1); // the recap closes the one task
    expect(p.hosts).toEqual({ ok: 1, changed: 0, failed: 0, unreachable: 0, skipped: 0 });
    expect(p.failedTasks).toEqual([]);
    expect(p.lastCounter).toBe(100);
  });

  it("counts a running task as not done until the next task or the recap", () => {
    const beforeRecap = foldEvents(undefined, fixture.slice(0, 5));
    expect(beforeRecap.tasksDone).toBe(0);
    expect(beforeRecap.lastCounter).toBe(5);
    const after = foldEvents(beforeRecap, fixture.slice(5));
    expect(after.tasksDone).toBe(1);
    expect(after).toEqual(foldEvents(undefined, fixture));
  });

  it("is incremental and ignores events it has already seen", () => {
    const once = foldEvents(undefined, fixture);
    const again = foldEvents(once, fixture);
    expect(again).toEqual(once);
  });
});

describe("foldEvents on constructed events", () => {
  counter = 0;
  const taskStart = (task: string, role = "") => ev("playbook_on_task_start", { task, role, data: { task } });
  const events: JobEvent[] = [
    ev("playbook_on_start"),
    ev("playbook_on_play_start", { play: "Deploy grafana", data: { name: "Deploy grafana" } }),
    taskStart("Gathering Facts"),
    ev("runner_on_ok", { host_name: "docker01", data: { host: "docker01", res: { changed: false } } }),
    ev("runner_on_ok", { host_name: "docker02", data: { host: "docker02", res: { changed: false } } }),
    taskStart("Ensure volumes", "docker_app"),
    ev("runner_on_ok", { host_name: "docker01", changed: true, data: { host: "docker01", res: { changed: true } } }),
    ev("runner_on_failed", { host_name: "docker02", role: "docker_app", task: "Ensure volumes", data: { host: "docker02", task: "Ensure volumes", ignore_errors: true, res: { msg: "ignored" } } }),
    taskStart("Pull image", "docker_app"),
    ev("runner_on_failed", { host_name: "docker01", role: "docker_app", task: "Pull image", failed: true, data: { host: "docker01", task: "Pull image", ignore_errors: null, res: { msg: "manifest unknown" } } }),
    ev("runner_on_unreachable", { host_name: "docker02", role: "docker_app", task: "Pull image", failed: true, data: { host: "docker02", task: "Pull image", res: { msg: { reason: "ssh timeout" } } } }),
  ];

  it("tracks the current play and role-qualified task while running", () => {
    const p = foldEvents(undefined, events);
    expect(p.play).toBe("Deploy grafana");
    expect(p.task).toBe("docker_app : Pull image");
    expect(p.tasksDone).toBe(2);
  });

  it("counts each host once by its worst outcome and lists real failures with res.msg", () => {
    const p = foldEvents(undefined, events);
    expect(p.hosts).toEqual({ ok: 0, changed: 0, failed: 1, unreachable: 1, skipped: 0 });
    expect(p.failedTasks).toEqual([
      { host: "docker01", task: "docker_app : Pull image", msg: "manifest unknown" },
      { host: "docker02", task: "docker_app : Pull image", msg: '{"reason":"ssh timeout"}' },
    ]);
  });

  it("does not count an ignore_errors failure as failed", () => {
    const p = foldEvents(undefined, events.slice(0, 8));
    expect(p.hosts).toEqual({ ok: 1, changed: 1, failed: 0, unreachable: 0, skipped: 0 });
    expect(p.failedTasks).toEqual([]);
  });

  it("lets playbook_on_stats overwrite the host counts and close the last task", () => {
    const stats = ev("playbook_on_stats", {
      data: { ok: { docker01: 2, docker02: 1, edge01: 1 }, changed: { docker01: 1 }, failures: { docker01: 1 }, dark: { docker02: 1 }, skipped: { dns01: 1 }, processed: { docker01: 1, docker02: 1, edge01: 1, dns01: 1 } },
    });
    const p = foldEvents(foldEvents(undefined, events), [stats]);
    expect(p.hosts).toEqual({ ok: 1, changed: 0, failed: 1, unreachable: 1, skipped: 1 });
    expect(p.tasksDone).toBe(3);
    expect(p.failedTasks).toHaveLength(2);
  });

  it("sorts an unordered batch by counter and keeps tasksTotal given by the caller", () => {
    const shuffled = [...events].reverse();
    const p = foldEvents({ tasksDone: 0, tasksTotal: 6, hosts: { ok: 0, changed: 0, failed: 0, unreachable: 0, skipped: 0 }, failedTasks: [], lastCounter: 0 }, shuffled);
    expect(p.task).toBe("docker_app : Pull image");
    expect(p.tasksTotal).toBe(6);
    expect(p.lastCounter).toBe(events[events.length - 1]!.counter);
  });
});
