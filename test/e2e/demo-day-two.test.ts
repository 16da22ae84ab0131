import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { REDIS_URL } from "../helpers/harness.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** `npm run demo < demo/day-two.txt`, as the README says, on fast lab timings: its output and exit code. */
function runDemo(script: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "lab/demo.ts"], {
      cwd: ROOT,
      env: { ...process.env, REDIS_URL, LAB_STEP_MS: "10", DEMO_POLL_MS: "50", GITOPS_INTERVAL_MS: "600000", HTTP_PORT: "0", LOG_LEVEL: "warn" },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out, err }));
    child.stdin.end(script);
  });
}

describe("demo/day-two.txt: the day-two commands piped into the demo against the simulated lab", () => {
  it("runs /app set, Deploy, /deploy of two apps, /app restart, /app logs and /app remove, and exits 0", async () => {
    const { code, out, err } = await runDemo(readFileSync(`${ROOT}demo/day-two.txt`, "utf8"));
    expect(code, `${out}\n${err}`).toBe(0);
    expect(out).toContain("✅ Change app grafana: done");
    expect(out).toContain("image: grafana/grafana:11.2.0 → grafana/grafana:11.3.0");
    expect(out).toContain("/deploy: 2 apps queued, one job each");
    expect(out).toMatch(/✅ Deploy traefik → edge01: successful/);
    expect(out).toContain("service grafana tcp/3000 on 10.20.10.11: open");
    expect(out).toContain("✅ Restart grafana → docker01: restarted");
    expect(out).toMatch(/`[\d-]+T[\d:.]+Z grafana: starting grafana\/grafana:11\.3\.0`/);
    expect(out).toContain("Container `uptime-kuma` stopped and removed on docker01");
    expect(out).toContain("Apps in app_list: 6");
    expect(out).toMatch(/\n8 command\(s\), 0 failed\.\n$/);
  }, 60_000);
});
