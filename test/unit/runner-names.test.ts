import { describe, expect, it } from "vitest";
import type { Resource } from "../../src/clients/proxmox.ts";
import { formatUptime, isRunner, nextRunnerName } from "../../src/runner/runner-names.ts";
import { runnerCreateArgs, runnerDestroyArgs } from "../../src/runner/runner-args.ts";

const res = (name: string, extra: Partial<Resource> = {}): Resource =>
  ({ id: `lxc/${name}`, type: "lxc", vmid: 100, name, node: "pve01", status: "running", template: false, ...extra }) as Resource;

describe("runner names", () => {
  it("refuses runner names Ansible reads as groups: the name becomes the launch's limit", () => {
    for (const bad of ["all", "ungrouped", "localhost", "runner*", "a,b", "Runner01"]) expect(runnerCreateArgs.safeParse({ name: bad }).success, bad).toBe(false);
    expect(runnerCreateArgs.safeParse({ name: "runner02" }).success).toBe(true);
    expect(runnerDestroyArgs.safeParse({ name: "all" }).success).toBe(false);
  });

  it("picks the lowest free <prefix>NN", () => {
    expect(nextRunnerName([], "runner")).toBe("runner01");
    expect(nextRunnerName([res("runner01"), res("runner03")], "runner")).toBe("runner02");
    expect(nextRunnerName([res("runner01"), res("runner02", { type: "qemu" })], "runner")).toBe("runner03");
  });

  it("recognises runners by tag or by name, and only LXCs", () => {
    expect(isRunner(res("runner07"), "runner")).toBe(true);
    expect(isRunner(res("ci-box", { tags: "labops;runner" }), "runner")).toBe(true);
    expect(isRunner(res("dns01", { tags: "dns" }), "runner")).toBe(false);
    expect(isRunner(res("runner01", { type: "qemu" }), "runner")).toBe(false);
    expect(isRunner(res("runnerx"), "runner")).toBe(false);
  });

  it("formats uptime", () => {
    expect(formatUptime(0)).toBe("—");
    expect(formatUptime(42)).toBe("42 s");
    expect(formatUptime(3_700)).toBe("1 h 1 min");
    expect(formatUptime(3 * 86_400 + 4 * 3_600)).toBe("3 d 4 h");
  });
});
