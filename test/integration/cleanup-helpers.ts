import { randomUUID } from "node:crypto";
import type { Actor } from "../../src/core/actor.ts";
import { dispatchAction, type ActionOutcome } from "../../src/core/dispatch.ts";
import type { Message } from "../../src/core/message.ts";
import type { FakeZfs, FsNode } from "../../lab/truenas/fake-zfs.ts";
import { seedZfs } from "../../lab/truenas/zfs-seed.ts";
import type { Harness } from "../helpers/harness.ts";

export const SHARE = "/mnt/Media/docker-media";
export const slackAdmin: Actor = { platform: "slack", id: "UADMIN2", name: "second-admin", groups: [] };
export const slackNobody: Actor = { platform: "slack", id: "UNOBODY", name: "nobody", groups: [] };

/** Runs a command and waits until its job's message carries buttons (or reaches a final state). */
export async function runPreview(h: Harness, line: string, actor?: Actor): Promise<{ jobId: string; msg: Message }> {
  const ack = await h.run(line, actor);
  if (!ack.jobId) throw new Error(`not queued: ${ack.title} ${ack.lines?.join(" ")}`);
  const rec = await h.notifier.waitFor((m) => m.history.some((x) => (x.lines ?? []).some((l) => l.includes(ack.jobId!))) &&
    (Boolean(m.history.at(-1)!.buttons?.length) || ["success", "failure"].includes(m.history.at(-1)!.state)));
  return { jobId: ack.jobId, msg: rec.history.at(-1)! };
}

export function button(msg: Message, label: string): string {
  const b = msg.buttons?.find((x) => x.label === label);
  if (!b) throw new Error(`no ${label} button on "${msg.title}"`);
  return b.id;
}

export function click(h: Harness, actionId: string, actor: Actor = h.admin): Promise<ActionOutcome> {
  return dispatchAction(h.labops.ack, { actionId, actor, channel: h.channel, requestId: randomUUID() });
}

/** The whole fake filesystem as plain data: datasets, their trees (types, symlink targets, sizes) and snapshots. */
export function fsImage(fs: FakeZfs): unknown {
  const tree = (n: FsNode): unknown => ({ t: n.type, s: n.size, ...(n.target ? { to: n.target } : {}),
    ...(n.children ? { c: Object.fromEntries([...n.children].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, tree(v)])) } : {}) });
  return {
    datasets: Object.fromEntries([...fs.datasets.keys()].sort().map((k) => [k, tree(fs.datasets.get(k)!.root)])),
    snapshots: [...fs.snapshots.keys()].sort(),
  };
}

export const exists = (h: Harness, path: string) => h.lab.truenas.fs.exists(path);

/** TrueNAS calls that change something. */
export const mutatingCalls = (h: Harness) =>
  h.lab.truenas.calls().filter((c) => /^(pool\.snapshot\.create|zfs\.snapshot\.create|pool\.dataset\.(rename|delete|create)|pool\.snapshot\.rollback)$/.test(c.method));

/** Puts the fake TrueNAS back to its seeded pools (same object, so the AAP effect keeps working). */
export function reseed(h: Harness): void {
  const fs = h.lab.truenas.fs;
  fs.datasets.clear();
  fs.snapshots.clear();
  seedZfs(fs);
}

/** Replaces `<share>/<name>` with a symlink to `target` (as someone racing the cleanup might). */
export function swapForSymlink(h: Harness, name: string, target: string): void {
  const fs = h.lab.truenas.fs;
  fs.removePath(`${SHARE}/${name}`);
  fs.resolve(SHARE)!.node!.children!.set(name, { type: "SYMLINK", mtime: Date.now() / 1000, size: target.length, target });
}
