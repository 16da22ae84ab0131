import { describe, expect, it } from "vitest";
import type { AapFailure } from "../../src/alerts/aap-failure.ts";
import { micros } from "../../src/alerts/aap-poller.ts";
import { aapNotificationSchema } from "../../src/alerts/aap-webhook-route.ts";
import { formatWindow, renderAapFailure, renderGroup, summarizeAap, type AlertItem } from "../../src/alerts/alert-message.ts";
import { renderText } from "../../src/core/message.ts";
import { upstreamJson } from "../helpers/upstream.ts";

const base: AapFailure = {
  id: 104, template: "Master Deploy", status: "failed", createdBy: "admin", limit: "docker02", failedHosts: ["docker02"],
  failedTasks: [{ host: "docker02", task: "docker_app : Wait for healthcheck", msg: "Status code was 503" }], tail: "PLAY RECAP ***\ndocker02 : ok=5 failed=1",
};

describe("alert rendering", () => {
  it("shows template, job, status, who, limit, failed tasks and hosts, output tail and the next step", () => {
    const msg = renderAapFailure(base, { label: "AAP job 104", url: "https://aap.lab/#/jobs/playbook/104/output" }, { kind: "relaunch" });
    expect(msg.state).toBe("failure");
    expect(msg.title).toBe("AAP job 104 failed: Master Deploy");
    expect(msg.fields).toEqual([
      { label: "Template", value: "Master Deploy" }, { label: "Job", value: "104" }, { label: "Status", value: "failed" },
      { label: "Launched by", value: "admin" }, { label: "Limit", value: "docker02" },
    ]);
    expect(renderAapFailure({ ...base, finished: "2026-12-04T02:10:33.119995Z" }, undefined, undefined, "Europe/Berlin").fields)
      .toContainEqual({ label: "Finished", value: "2026-12-04 03:10:33 Europe/Berlin" }); // in the timeZone setting, named
    const text = renderText(msg);
    expect(text).toContain("failed: docker_app : Wait for healthcheck on docker02: Status code was 503");
    expect(text).toContain("  docker02 : ok=5 failed=1");
    expect(text).toContain("Relaunch failed hosts* runs it again on docker02 only");
  });

  it("names only the way to run it again that the buttons offer", () => {
    expect(renderText(renderAapFailure(base, undefined, { kind: "rerun", command: "cleanup-ocp" }))).toContain("*Run /cleanup-ocp again* (it goes through its own preview or confirmation)");
    const none = renderText(renderAapFailure(base, undefined));
    expect(none).not.toContain("Relaunch");
    expect(none).toContain("fix the cause, then launch the template again");
  });

  it("says what to do for canceled and error jobs, and caps a long list of failed tasks", () => {
    expect(renderText(renderAapFailure({ ...base, status: "canceled", failedTasks: [], failedHosts: [] }, undefined))).toContain("someone canceled this job in AAP");
    const error = renderAapFailure({ ...base, status: "error", explanation: "Previous Task Failed: project_update", failedTasks: [], failedHosts: [], limit: "" }, undefined);
    expect(error.title).toBe("AAP job 104 ended in error: Master Deploy");
    expect(renderText(error)).toContain("AAP says: Previous Task Failed: project_update");
    expect(renderText(error)).toContain("Limit: (none: all hosts of the template)");
    const many = Array.from({ length: 8 }, (_, i) => ({ host: `h${i}`, task: "t" }));
    const lines = renderAapFailure({ ...base, failedTasks: many }, undefined).lines!;
    expect(lines.filter((l) => l.startsWith("failed: "))).toHaveLength(5);
    expect(lines).toContain("…and 3 more failed task(s)");
  });

  it("renders a group with a count title, the latest first and earlier ones listed, and what was muted", () => {
    const item = (f: AapFailure): AlertItem => ({ group: "aap:Master Deploy", subject: "Master Deploy", key: `aap:${f.id}`, shortId: String(f.id), summary: summarizeAap(f), message: renderAapFailure(f, undefined) });
    const single = renderGroup(item(base), { openedAt: 0, refs: [], items: [{ id: "104", summary: "x" }] }, 600_000, [], []);
    expect(single.title).toBe("AAP job 104 failed: Master Deploy");
    const group = { openedAt: 0, refs: [], items: [{ id: "101", summary: "job 101 (a)" }, { id: "104", summary: "job 104 (b)" }, { id: "107", summary: "job 107 (c)" }] };
    const msg = renderGroup(item({ ...base, id: 107 }), group, 600_000, [{ id: "act:x", label: "Show log" }], ["job 105 (d)"]);
    expect(msg.title).toBe("3 failures of Master Deploy in the last 10 min: jobs 101, 104, 107");
    expect(msg.lines?.[0]).toBe("Latest: AAP job 107 failed: Master Deploy");
    expect(msg.lines).toContain("While muted: 1 more failure(s) of Master Deploy: job 105 (d)");
    expect(msg.lines?.slice(-2)).toEqual(["earlier: job 101 (a)", "earlier: job 104 (b)"]);
    expect(msg.buttons).toEqual([{ id: "act:x", label: "Show log" }]);
  });

  it("formats windows and compares AAP timestamps of any precision", () => {
    expect(formatWindow(600_000)).toBe("10 min");
    expect(formatWindow(3_600_000)).toBe("1 h");
    expect(formatWindow(30_000)).toBe("30 s");
    expect(micros("2020-07-28T20:43:44.936072+00:00")).toBe(micros("2020-07-28T20:43:44.936072Z"));
    expect(micros("2024-01-01T00:00:00.000001Z")).toBeGreaterThan(micros("2024-01-01T00:00:00Z"));
    expect(micros("2024-01-01T00:00:00.5Z") - micros("2024-01-01T00:00:00.499999Z")).toBe(1);
  });

  it("parses AAP's documented notification bodies", () => {
    const failed = aapNotificationSchema.parse(upstreamJson("awx/notification-webhook.failed.example.json"));
    expect(failed).toMatchObject({ id: 46, status: "failed", extra_vars: '{"sleep_interval": 300}', credential: null });
    expect(failed.hosts?.localhost?.failed).toBe(true);
    expect(aapNotificationSchema.safeParse(upstreamJson("awx/notification-webhook.started.example.json")).success).toBe(true);
  });
});
