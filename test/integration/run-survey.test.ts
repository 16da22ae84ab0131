import { randomBytes, randomUUID } from "node:crypto";
import { PassThrough, Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Actor } from "../../src/core/actor.ts";
import { renderText } from "../../src/core/message.ts";
import { runConsoleBot } from "../../src/bot/console/console-bot.ts";
import { ConsoleNotifier } from "../../src/bot/console/console-notifier.ts";
import { createHarness, type Harness } from "../helpers/harness.ts";

const grant = (role: "viewer" | "operator" | "admin", id: string) => ({ role, slackUsers: [id], slackGroups: [], discordUsers: [], discordRoles: [], channels: [] });
const OPERATOR: Actor = { platform: "slack", id: "U0OTTO", name: "otto", groups: [] };
const PASSWORD = "hunter2-Backup-Pw";
const TEMPLATE = "Create Backup Job";

/** Every value under labops' prefix in Redis (strings, hashes, lists, sets, sorted sets, streams), as one text. */
const DUMP_LUA = `
local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
  local t = redis.call('TYPE', k).ok
  local vals = {}
  if t == 'string' then vals = { redis.call('GET', k) }
  elseif t == 'hash' then vals = redis.call('HGETALL', k)
  elseif t == 'list' then vals = redis.call('LRANGE', k, 0, -1)
  elseif t == 'set' then vals = redis.call('SMEMBERS', k)
  elseif t == 'zset' then vals = redis.call('ZRANGE', k, 0, -1)
  elseif t == 'stream' then
    for _, e in ipairs(redis.call('XRANGE', k, '-', '+')) do for _, f in ipairs(e[2]) do table.insert(vals, f) end end
  end
  for _, v in ipairs(vals) do table.insert(out, k .. '=' .. v) end
end
return out`;

/** /labops run of a job template with a survey: answers checked at acknowledgement and on the worker, the secret sealed. */
describe("/labops run with an AAP survey", () => {
  let h: Harness;
  const launches = () => h.lab.aap.http.count("POST", /job_templates\/\d+\/launch\/$/);
  const run = (vars: string) => h.run(`/labops run "${TEMPLATE}" ${vars}`, OPERATOR);
  beforeAll(async () => {
    h = await createHarness({
      tweak: (c) => {
        c.permissions.grants.push(grant("operator", OPERATOR.id));
        c.run.templates = { [TEMPLATE]: { kind: "job", role: "operator", vars: [], limit: false } };
        c.surveySecretKey = randomBytes(32);
      },
    });
    await h.labops.surveys.refresh();
  });
  afterAll(async () => {
    await h?.close();
  });

  it("launches with typed answers and the secret, which reaches AAP only: never Redis, the audit trail, chat or the log", async () => {
    expect(h.labops.surveys.get(TEMPLATE)?.questions.map((q) => q.variable)).toEqual(["backup_host", "backup_retention", "backup_password"]);
    const before = launches();
    const ack = await run(`--var backup_host=docker01 --var backup_retention=30 --var backup_password=${PASSWORD}`);
    expect(ack.state).toBe("queued");
    // While queued (and after), the job's data holds the answer sealed.
    const queued = (await h.labops.redis.eval(DUMP_LUA, 0, `${h.config.redis.prefix}*`) as string[]).join("\n");
    expect(queued).toContain("lsb1.");
    const done = await h.notifier.final(ack.jobId!, 20_000);
    expect(done).toMatchObject({ state: "success", title: `Run ${TEMPLATE}: successful` });
    expect(launches() - before).toBe(1);
    const l = h.lab.aap.launches().at(-1)!;
    expect(l.extraVars).toEqual({ backup_host: "docker01", backup_retention: 30, backup_password: PASSWORD });
    expect(h.lab.aap.job(l.jobId)).toMatchObject({ status: "successful" });

    const redis = (await h.labops.redis.eval(DUMP_LUA, 0, `${h.config.redis.prefix}*`) as string[]).join("\n");
    expect(redis).toContain("backup_retention");
    expect(redis).not.toContain(PASSWORD);
    const audit = await h.labops.ack.audit.recent({ limit: 50 });
    expect(audit.find((e) => e.event === "command" && e.command === "run")?.detail).toContain('"backup_password":"••••"');
    expect(JSON.stringify(audit)).not.toContain(PASSWORD);
    const chat = [...h.notifier.messages.values()].flatMap((m) => m.history.map(renderText)).join("\n");
    expect(chat).not.toContain(PASSWORD);
    expect(h.logs.lines.join("\n")).not.toContain(PASSWORD);
  });

  it("refuses at acknowledgement what the survey does not allow, naming each question, and queues nothing", async () => {
    const before = launches();
    const cases = [
      ["--var backup_host=docker01", ["Repository password (backup_password) needs an answer: a secret from 8 to 128 characters"]],
      ["--var backup_host=pve01 --var backup_retention=91 --var backup_password=short", [
        "Host (backup_host) must be one of docker01, docker02, edge01, nautobot01 (`pve01` is not offered).",
        "Retention (days) (backup_retention) must be a whole number from 1 to 90 (91 is outside).",
        "Repository password (backup_password) must be a secret from 8 to 128 characters, never shown or logged (it is 5 long).",
      ]],
      ["--var backup_host=docker01 --var backup_retention=seven --var backup_password=longenough1", ["backup_retention) must be a whole number from 1 to 90."]],
      ["--var backup_host=docker01 --var backup_retention=7 --var backup_password={{lookup('env','HOME')}}", ["may not hold templated text"]],
      ["--var backup_host=docker01 --var backup_retention=7 --var backup_password=longenough1 --var become=yes", ["takes no variable `become` (it takes: backup_host, backup_retention, backup_password)"]],
    ] as const;
    for (const [vars, why] of cases) {
      const r = await run(vars);
      expect(r.state, vars).toBe("failure");
      expect(r.jobId, vars).toBeUndefined();
      for (const w of why) expect(r.lines?.join("\n"), vars).toContain(w);
    }
    expect(launches()).toBe(before);
  });

  it("fills a default the person left out", async () => {
    const ack = await run(`--var backup_host=docker02 --var backup_password=${PASSWORD}`);
    expect(ack.state).toBe("queued");
    expect(await h.notifier.final(ack.jobId!, 20_000)).toMatchObject({ state: "success" });
    expect(h.lab.aap.launches().at(-1)!.extraVars).toMatchObject({ backup_host: "docker02", backup_retention: 14 });
  });

  it("the worker checks again: answers queued past the acknowledgement, or a secret sealed elsewhere, launch nothing", async () => {
    const before = launches();
    const enqueue = (args: Record<string, unknown>) => h.labops.queue.enqueue("aap.run", {
      command: "run", args: { template: TEMPLATE, ...args }, actor: OPERATOR, channel: h.channel, requestId: randomUUID(),
      lockKey: `template:${TEMPLATE}`, requires: "operator", enqueuedAt: Date.now(),
    });
    const bad = await enqueue({ vars: { backup_host: "fw01", backup_retention: 500 }, secrets: {} });
    const badText = (await h.notifier.final(bad.jobId)).lines?.join("\n") ?? "";
    expect(badText).toContain("`fw01` is not offered");
    expect(badText).toContain("backup_password) needs an answer");
    // A password in clear among the variables is not accepted as a secret answer either.
    const clear = await enqueue({ vars: { backup_host: "docker01", backup_retention: 7, backup_password: PASSWORD }, secrets: {} });
    expect((await h.notifier.final(clear.jobId)).lines?.join("\n")).toContain("arrived unsealed");
    const forged = await enqueue({ vars: { backup_host: "docker01", backup_retention: 7 }, secrets: { backup_password: "lsb1.AAAA.BBBB.CCCC" } });
    expect((await h.notifier.final(forged.jobId)).lines?.join("\n")).toContain("cannot be opened");
    expect(launches()).toBe(before);
  });

  it("the terminal asks the missing answers question by question, repeating a refused one, from piped input", async () => {
    const session = async (lines: string[]) => {
      let out = "";
      const sink = new Writable({ write(chunk, _enc, cb) { out += String(chunk); cb(); } });
      const notifier = new ConsoleNotifier(sink);
      h.labops.notifiers.register("terminal", notifier);
      const input = new PassThrough();
      input.end(lines.map((l) => `${l}\n`).join(""));
      const summary = await runConsoleBot({ deps: h.labops.ack, notifier, queue: h.labops.queue.queue, input, actor: h.admin, sequential: true, pollMs: 20 });
      return { out, ...summary };
    };
    const before = launches();
    const s = await session([`/labops run "${TEMPLATE}" --var backup_host=docker02`, "seven", "", "short", PASSWORD]);
    expect(s.out).toContain(`${TEMPLATE} asks a survey: Backup job`);
    expect(s.out).toContain("Retention (days) (backup_retention)?");
    expect(s.out).toContain("a whole number from 1 to 90 [default: 14]");
    expect(s.out).toContain("Retention (days) (backup_retention) must be a whole number from 1 to 90.");
    expect(s.out).toContain("(it is 5 long)");
    expect(s.out).not.toContain("Host (backup_host)?");
    expect(s.out).toMatch(/✅ Run Create Backup Job: successful/);
    expect(s.out).not.toContain(PASSWORD);
    expect(s).toMatchObject({ commands: 1, failures: 0 });
    expect(launches() - before).toBe(1);
    expect(h.lab.aap.launches().at(-1)!.extraVars).toEqual({ backup_host: "docker02", backup_retention: 14, backup_password: PASSWORD });

    const cut = await session([`/labops run "${TEMPLATE}"`, "docker01"]);
    expect(cut.out).toContain("Survey not finished");
    expect(launches() - before).toBe(1);
  });
});
