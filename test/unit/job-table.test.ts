import { describe, expect, it } from "vitest";
import { z } from "zod";
import { defineCommand } from "../../src/core/command.ts";
import { isJobName, JOB_NAMES } from "../../src/core/job-names.ts";
import { COMMANDS } from "../../src/handlers/index.ts";
import { JOBS } from "../../src/jobs/job-table.ts";
import { defineProcessor } from "../../src/queue/processor.ts";
import { PROCESSOR_TABLE, PROCESSORS } from "../../src/queue/processors/index.ts";

describe("the job table", () => {
  it("every job name has one argument schema and one processor, listed under its own name", () => {
    expect(Object.keys(JOBS).sort()).toEqual([...JOB_NAMES].sort());
    expect(Object.keys(PROCESSOR_TABLE).sort()).toEqual([...JOB_NAMES].sort());
    for (const [name, p] of Object.entries(PROCESSOR_TABLE)) expect(p.name).toBe(name);
    expect(new Set(PROCESSORS.map((p) => p.name)).size).toBe(JOB_NAMES.length);
  });

  it("every command's job is a known job, and a command that shares its job's schema passes the worker's check", () => {
    for (const c of COMMANDS) if (c.job) expect(isJobName(c.job), c.name).toBe(true);
    // /deploy's arguments, as parsed on the ack path, are what aap.deploy's processor is given on the worker.
    const parsed = COMMANDS.find((c) => c.name === "deploy")!.args.parse({ app: "traefik" });
    expect(JOBS["aap.deploy"].args.parse(parsed)).toEqual({ app: "traefik", check: false, allowElevated: false });
    expect(isJobName("aap.deplo")).toBe(false);
  });

  it("a misspelt job name does not compile (checked by tsc --noEmit, which covers test/)", () => {
    const cmd = defineCommand({
      name: "typo", description: "x", requires: "viewer", args: z.object({}),
      // @ts-expect-error "aap.deplo" is not a job name
      job: "aap.deplo",
    });
    const proc = defineProcessor({
      // @ts-expect-error "truenas.cleanup" is not a job name
      name: "truenas.cleanup",
      title: () => "x",
      run: async () => ({ outcome: "success", message: { title: "x", state: "success" } }),
    });
    expect([cmd.job ?? "", proc.name].every((n) => !isJobName(n))).toBe(true);
  });
});
