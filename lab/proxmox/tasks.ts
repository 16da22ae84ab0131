import type { FakeTask } from "./options.ts";
import { paramError } from "./errors.ts";
import { tokenUser, type ProxmoxState } from "./state.ts";
import { proxiedNode } from "./lxc.ts";

/** Forks a worker: returns its UPID; it runs for `steps` × stepMs, its log lines spread over that time. */
export function spawnTask(st: ProxmoxState, node: string, type: string, id: string, lines: string[], steps: number, on: Pick<FakeTask, "onSuccess" | "onFailure">): string {
  const now = st.now();
  const { user, tokenid } = tokenUser(st);
  const pid = st.pid++;
  const pstart = 0x01a2b3c4 + pid;
  const starttime = Math.floor(now / 1000);
  const hex = (n: number) => n.toString(16).toUpperCase().padStart(8, "0");
  const upid = `UPID:${node}:${hex(pid)}:${hex(pstart)}:${hex(starttime)}:${type}:${id}:${user}!${tokenid}:`;
  const outcome = st.failNext.get(type) ?? "OK";
  st.failNext.delete(type);
  const duration = steps * st.stepMs;
  const logged = lines.map((t, i) => ({ at: now + Math.floor((duration * i) / Math.max(1, lines.length)), t }));
  const warnings = /^WARNINGS: (\d+)$/.exec(outcome);
  if (warnings) {
    for (let i = 0; i < Number(warnings[1]); i++) logged.push({ at: now + duration - 1, t: `WARN: simulated warning ${i + 1}` });
  }
  st.tasks.set(upid, { upid, node, pid, pstart, starttime, type, id, user, tokenid, endsAt: now + duration, lines: logged, outcome, ...on });
  return upid;
}

/** Finishes every task whose time is up (lazily, on each request: no timers to leak). */
export function advanceTasks(st: ProxmoxState): void {
  const now = st.now();
  for (const t of st.tasks.values()) {
    if (t.exitstatus !== undefined || now < t.endsAt) continue;
    t.exitstatus = t.outcome;
    const ok = t.outcome === "OK" || /^WARNINGS: \d+$/.test(t.outcome);
    t.lines.push({ at: t.endsAt, t: ok ? `TASK ${t.outcome}` : `TASK ERROR: ${t.outcome}` });
    (ok ? t.onSuccess : t.onFailure)();
  }
}

function findTask(st: ProxmoxState, p: Record<string, unknown>): FakeTask {
  const node = proxiedNode(st, p);
  const upid = String(p.upid);
  if (!/^UPID:[a-zA-Z0-9][a-zA-Z0-9-]*:[0-9A-Fa-f]{8}:[0-9A-Fa-f]{8,9}:[0-9A-Fa-f]{8}:[^:\s/]+:[^:\s/]*:[^:\s/]+:$/.test(upid)) {
    throw paramError({ upid: "unable to parse worker upid" });
  }
  const task = st.tasks.get(upid);
  if (!task || task.node !== node) throw paramError({ upid: "no such task" });
  return task;
}

/** GET /nodes/{node}/tasks/{upid}/status. */
export function taskStatus(st: ProxmoxState, p: Record<string, unknown>) {
  const t = findTask(st, p);
  return {
    upid: t.upid,
    node: t.node,
    pid: t.pid,
    pstart: t.pstart,
    starttime: t.starttime,
    type: t.type,
    id: t.id,
    user: t.user,
    ...(t.tokenid ? { tokenid: t.tokenid } : {}),
    status: t.exitstatus === undefined ? "running" : "stopped",
    ...(t.exitstatus === undefined ? {} : { exitstatus: t.exitstatus }),
  };
}

/** GET /nodes/{node}/tasks/{upid}/log: `n`/`t` lines with `total`. */
export function taskLog(st: ProxmoxState, p: Record<string, unknown>) {
  const t = findTask(st, p);
  const now = st.now();
  const visible = t.lines.filter((l) => l.at <= now);
  const start = Number(p.start ?? 0);
  const limit = Number(p.limit ?? 50);
  const page = visible.slice(start, start + limit).map((l, i) => ({ n: start + i + 1, t: l.t }));
  return Object.assign(page, { total: visible.length });
}

/** GET /nodes/{node}/tasks: finished tasks (source=archive, the default), newest first, or running ones (source=active). */
export function taskIndex(st: ProxmoxState, p: Record<string, unknown>) {
  const node = proxiedNode(st, p);
  const source = String(p.source ?? "archive");
  const rows = [...st.tasks.values()]
    .filter((t) => t.node === node)
    .filter((t) => source === "all" || (source === "active") === (t.exitstatus === undefined))
    .filter((t) => p.typefilter === undefined || t.type === p.typefilter)
    .filter((t) => p.vmid === undefined || t.id === String(p.vmid))
    .filter((t) => !Number(p.errors ?? 0) || (t.exitstatus !== undefined && t.exitstatus !== "OK"))
    .sort((a, b) => b.starttime - a.starttime || b.pid - a.pid)
    .map((t) => ({
      upid: t.upid, node: t.node, pid: t.pid, pstart: t.pstart, starttime: t.starttime, type: t.type, id: t.id, user: t.user,
      ...(t.tokenid ? { tokenid: t.tokenid } : {}),
      ...(t.exitstatus === undefined ? {} : { endtime: Math.floor(t.endsAt / 1000), status: t.exitstatus }),
    }));
  const start = Number(p.start ?? 0);
  const limit = Number(p.limit ?? 50);
  return Object.assign(rows.slice(start, start + limit), { total: rows.length });
}
