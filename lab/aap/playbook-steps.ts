import { randomUUID } from "node:crypto";
import { PLAYBOOKS } from "./playbooks.ts";
import type { EventInput, JobRec, Obj, Tally, TaskSpec } from "./records.ts";
import { iso, pyJson, stars } from "./format.ts";

// ---- the playbook run as event batches ---------------------------------------------------------

/** Yields one batch of events per step: play start, then per task its start and its host results, then the recap. */
export function* playbookSteps(job: JobRec): Generator<EventInput[], void> {
  const pb = PLAYBOOKS[playbookFile(job.tpl.playbook)] ?? PLAYBOOKS["setup_aap.yml"]!;
  const playbookUuid = randomUUID();
  const playName = pb.play(job.extraVars);
  const playUuid = randomUUID();
  const hosts = selectHosts(pb.hosts(job.inventory, job.extraVars), job.limit, job.inventory);
  const playData = { playbook_uuid: playbookUuid, play: playName, play_uuid: playUuid, play_pattern: "all" };
  const first: EventInput[] = [
    { event: "playbook_on_start", level: 0, stdout: "", data: { playbook_uuid: playbookUuid, uuid: playbookUuid } },
    { event: "playbook_on_play_start", level: 1, play: playName, stdout: `\r\nPLAY [${playName}] ${stars(`PLAY [${playName}] `)}`,
      data: { ...playData, name: playName, pattern: "all", uuid: playUuid, parent_uuid: playbookUuid } },
  ];
  if (hosts.length === 0) {
    first.push({ event: "playbook_on_no_hosts_matched", level: 2, play: playName, stdout: "\u001b[1;35mskipping: no hosts matched\u001b[0m", data: { ...playData, parent_uuid: playUuid } });
  }
  yield first;
  const own = typeof pb.tasks === "function" ? pb.tasks(job.extraVars) : pb.tasks;
  const tasks: TaskSpec[] = pb.gatherFacts ? [{ name: "Gathering Facts", action: "gather_facts" }, ...own] : own;
  const alive = new Set(hosts);
  for (const h of hosts) job.tally.set(h, { ok: 0, changed: 0, failures: 0, dark: 0, skipped: 0 });
  for (const [i, task] of tasks.entries()) {
    if (alive.size === 0) break;
    const label = task.role ? `${task.role} : ${task.name}` : task.name;
    const taskUuid = randomUUID();
    const taskData = { ...playData, task: task.name, task_uuid: taskUuid, task_action: task.action, task_args: "", task_path: `/runner/project/${task.role ? `playbooks/roles/${task.role}/tasks/main.yml` : job.tpl.playbook}:${4 + 6 * i}`, resolved_action: task.action };
    const startBatch: EventInput[] = [
      { event: "playbook_on_task_start", level: 2, play: playName, task, stdout: `\r\nTASK [${label}] ${stars(`TASK [${label}] `)}`,
        data: { ...taskData, name: label, is_conditional: false, uuid: taskUuid, parent_uuid: playUuid } },
      ...[...alive].map((h): EventInput => ({ event: "runner_on_start", level: 3, play: playName, task, host: h, stdout: "", data: { ...taskData, host: h, parent_uuid: taskUuid } })),
    ];
    yield startBatch;
    const results: EventInput[] = [];
    // run_once: the first host runs it, and its result stands for every host of the play.
    const once = task.runOnce ? task.check?.({ host: [...alive][0]!, vars: job.hostVars.get([...alive][0]!) ?? {}, job }) : undefined;
    for (const h of [...alive]) results.push(hostResult(job, task, label, h, taskData, taskUuid, playName, alive, task.runOnce ? once : undefined));
    if (alive.size === 0) results.push({ event: "playbook_on_no_hosts_remaining", level: 2, play: playName, stdout: "\r\nNO MORE HOSTS LEFT " + stars("NO MORE HOSTS LEFT "), data: { ...playData, parent_uuid: playUuid } });
    yield results;
  }
  yield [statsEvent(job, playbookUuid)];
}

function hostResult(job: JobRec, task: TaskSpec, label: string, h: string, taskData: Obj, taskUuid: string, play: string, alive: Set<string>, onceMsg?: string): EventInput {
  const t = job.tally.get(h)!;
  const f = job.failure;
  const failsHere = f && task.skip?.({ host: h, vars: job.hostVars.get(h) ?? {}, job }) === undefined && (!f.host || f.host === h) && [task.name, label].some((n) => n.toLowerCase() === f.task.toLowerCase());
  // The playbook's own asserts come first: they refuse before any injected failure could happen.
  const base = { level: 3, play, task, host: h, data: { ...taskData, host: h, parent_uuid: taskUuid, start: iso(new Date()), end: iso(new Date()), duration: 0.4, event_loop: null } };
  // `when:` is evaluated first: a skipped task neither asserts nor fails.
  const falseCondition = task.skip?.({ host: h, vars: job.hostVars.get(h) ?? {}, job });
  const refused = falseCondition !== undefined ? undefined : task.runOnce ? onceMsg : task.check?.({ host: h, vars: job.hostVars.get(h) ?? {}, job });
  if (falseCondition !== undefined) {
    t.skipped++;
    const res = { changed: false, false_condition: falseCondition, skip_reason: "Conditional result was False", _ansible_no_log: false };
    return { ...base, event: "runner_on_skipped", data: { ...base.data, res }, stdout: `\u001b[0;36mskipping: [${h}]\u001b[0m` };
  }
  if (refused !== undefined || failsHere) {
    t.failures++;
    alive.delete(h);
    const res = refused !== undefined
      ? { changed: false, assertion: "", evaluated_to: false, msg: refused, _ansible_no_log: false }
      : { changed: false, msg: f!.msg, _ansible_no_log: false };
    return { ...base, event: "runner_on_failed", failed: true, data: { ...base.data, res, ignore_errors: null },
      stdout: `\u001b[0;31mfatal: [${h}]: FAILED! => ${pyJson(res)}\u001b[0m` };
  }
  const ran = task.run?.({ host: h, vars: job.hostVars.get(h) ?? {}, job });
  // Check mode reports what would change, as Ansible does; with diff mode a changed task carries its diff.
  const changed = ran ? ran.changed : !!task.changes;
  t.ok++;
  if (changed) t.changed++;
  const diff = changed && job.diffMode ? taskDiff(job, task, h) : undefined;
  const res = { changed, ...(ran?.res ?? (task.msg ? { msg: task.msg } : {})), ...(diff ? { diff } : {}), _ansible_no_log: false };
  return { ...base, event: "runner_on_ok", changed, data: { ...base.data, res },
    stdout: changed ? `\u001b[0;33mchanged: [${h}]\u001b[0m` : `\u001b[0;32mok: [${h}]\u001b[0m` };
}

function statsEvent(job: JobRec, playbookUuid: string): EventInput {
  const map = (k: keyof Tally) => Object.fromEntries([...job.tally].filter(([, t]) => t[k] > 0).map(([h, t]) => [h, t[k]]));
  const recap = [...job.tally].map(([h, t]) =>
    `${h.padEnd(26)} : ok=${String(t.ok).padEnd(4)} changed=${String(t.changed).padEnd(4)} unreachable=${String(t.dark).padEnd(4)} failed=${String(t.failures).padEnd(4)} skipped=${String(t.skipped).padEnd(4)} rescued=0    ignored=0   `);
  return {
    event: "playbook_on_stats", level: 1,
    stdout: `\r\nPLAY RECAP ${stars("PLAY RECAP ")}\r\n${recap.join("\r\n")}${recap.length ? "\r\n" : ""}`,
    data: {
      playbook_uuid: playbookUuid, changed: map("changed"), dark: map("dark"), failures: map("failures"), ignored: {}, ok: map("ok"),
      processed: Object.fromEntries([...job.tally.keys()].map((h) => [h, 1])), rescued: {}, skipped: map("skipped"), artifact_data: {},
      parent_uuid: playbookUuid,
    },
  };
}

/**
 * Ansible's `--limit`: comma/colon separated patterns, each a host name, `all`/`*`, a glob (`docker0*`),
 * `~regex`, or prefixed `!` (exclude) or `&` (intersect), matched against the inventory; empty means the
 * play's own hosts.
 */
function selectHosts(playHosts: string[], limit: string, inventory: string[]): string[] {
  const patterns = limit.split(/[,:]/).map((s) => s.trim()).filter(Boolean);
  if (patterns.length === 0) return playHosts;
  const known = [...new Set([...inventory, "localhost"])];
  const matches = (p: string) => {
    if (p === "all" || p === "*") return playHosts;
    const re = p.startsWith("~") ? safeRegExp(p.slice(1)) : new RegExp(`^${p.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".")}$`);
    return known.filter((h) => re.test(h));
  };
  let selected = new Set<string>();
  for (const p of patterns.filter((x) => !/^[!&]/.test(x))) for (const h of matches(p)) selected.add(h);
  for (const p of patterns.filter((x) => x.startsWith("&"))) selected = new Set([...selected].filter((h) => matches(p.slice(1)).includes(h)));
  for (const p of patterns.filter((x) => x.startsWith("!"))) for (const h of matches(p.slice(1))) selected.delete(h);
  return [...selected];
}

function safeRegExp(source: string): RegExp {
  try {
    return new RegExp(source);
  } catch {
    return /(?!)/;
  }
}

export function hostStatusCounts(tally: Map<string, Tally>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of tally.values()) {
    const k = t.failures > 0 ? "failures" : t.dark > 0 ? "dark" : t.changed > 0 ? "changed" : t.ok > 0 ? "ok" : "skipped";
    out[k] = (out[k] ?? 0) + 1;
  }
  return out;
}

/** The file name of a template's playbook (`playbooks/master_deploy.yml` → `master_deploy.yml`): PLAYBOOKS and effects are keyed by it. */
export function playbookFile(playbook: string): string {
  return playbook.slice(playbook.lastIndexOf("/") + 1);
}

/** The `res.diff` of a changed task under diff mode: before and after, as Ansible's modules report them. */
function taskDiff(job: JobRec, task: TaskSpec, host: string): Obj[] {
  const app = typeof job.extraVars.app === "string" ? job.extraVars.app : "app";
  const entry = ((job.hostVars.get(host)?.config_context?.app_list ?? {}) as Record<string, Obj | undefined>)[app] ?? {};
  const line = (k: string) => (entry[k] === undefined ? [] : [`${k}: ${JSON.stringify(entry[k])}`]);
  const fields = task.action.endsWith("docker_volume") ? line("volumes")
    : task.action.endsWith("docker_image") ? line("image")
    : task.action.endsWith("docker_container") ? [`name: ${app}`, ...Object.keys(entry).filter((k) => k !== "host").flatMap(line)]
    : [`${task.name}: done`];
  return [{ before_header: `${task.name} on ${host} (current)`, after_header: `${task.name} on ${host} (app_list)`, before: "", after: `${fields.join("\n")}\n` }];
}
