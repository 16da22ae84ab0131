import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadDotEnv } from "../../src/config.ts";
import { FakeDiscord } from "../../lab/discord/fake-discord.ts";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const TSX = pathToFileURL(join(ROOT, "node_modules/tsx/dist/loader.mjs")).href;

/** Runs a labops entry point as `npm run …` does, from `cwd`, with exactly `env`. */
function run(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", TSX, join(ROOT, script)], { cwd, env: { PATH: process.env.PATH ?? "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe(".env in the working directory (npm start, npm run register-commands)", () => {
  let discord: FakeDiscord;
  let dir: string;

  beforeAll(async () => {
    discord = new FakeDiscord();
    await discord.start();
    dir = mkdtempSync(join(tmpdir(), "labops-dotenv-"));
  });

  afterAll(async () => {
    await discord.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("register-commands reads DISCORD_* from .env; a variable set in the environment wins over the file", async () => {
    const e = discord.env;
    writeFileSync(join(dir, ".env"), [
      "# as copied from .env.example and filled in",
      `DISCORD_TOKEN=${e.DISCORD_TOKEN}`, `DISCORD_APP_ID=${e.DISCORD_APP_ID}`, "DISCORD_GUILD_ID=99999999", `DISCORD_API_URL="${e.DISCORD_API_URL}"`,
      "LABOPS_CONFIG=/dev/null", "AAP_URL=", "",
    ].join("\n"));
    const before = discord.count("PUT", /\/commands$/);
    const res = await run("src/bot/discord/register-commands.ts", dir, { DISCORD_GUILD_ID: e.DISCORD_GUILD_ID! });
    expect(res.out).toContain(`registered`);
    expect(res.out).toContain(`in guild ${e.DISCORD_GUILD_ID}`);
    expect(res.code).toBe(0);
    expect(discord.count("PUT", new RegExp(`/guilds/${e.DISCORD_GUILD_ID}/commands$`))).toBe(before + 1);
  }, 60_000);

  it("without a .env, register-commands says which variables are missing", async () => {
    const empty = mkdtempSync(join(tmpdir(), "labops-dotenv-none-"));
    try {
      const res = await run("src/bot/discord/register-commands.ts", empty, { LABOPS_CONFIG: "/dev/null" });
      expect(res.code).toBe(1);
      expect(res.out).toMatch(/DISCORD_TOKEN, DISCORD_APP_ID and DISCORD_GUILD_ID must be set/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  }, 60_000);

  it("loadDotEnv keeps values already set (even empty ones) and ignores a missing file", () => {
    const file = join(dir, "unit.env");
    writeFileSync(file, "A=from-file\nB='quoted value'\nC=from-file # comment\nD=from-file\n");
    const env: Record<string, string | undefined> = { A: "from-env", D: "" };
    expect(loadDotEnv(file, env).sort()).toEqual(["B", "C"]);
    expect(env).toEqual({ A: "from-env", B: "quoted value", C: "from-file", D: "" });
    expect(loadDotEnv(join(dir, "absent.env"), env)).toEqual([]);
  });
});
