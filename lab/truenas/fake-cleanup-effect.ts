/**
 * The simulated lab's playbooks/cleanup_ocp.yml: what a successful "Cleanup OCP Folders" job does to the fake
 * TrueNAS. It repeats the playbook's own checks (tasks/cleanup_check_request.yml, cleanup_check_paths.yml), so
 * a bad request fails the job with nothing touched, as the real play would; it never uses labops' own checks.
 */
import type { FakeAapFailure, PlaybookEffect } from "../aap/fake-aap.ts";
import type { FakeZfs } from "./fake-zfs.ts";

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const DEFAULT_PATTERN = "^ocp-[a-z0-9]+(-[a-z0-9]+)*-[0-9]{4}-[0-9]{2}-[0-9]{2}$";

type Plan = { share: string; folders: string[]; snapshot?: string | undefined; restore: boolean };

/** The effect for `aap.setEffect("cleanup_ocp.yml", …)`; `fs` is the fake TrueNAS's in-memory ZFS. */
export function cleanupOcpEffect(fs: FakeZfs, host = "truenas01"): PlaybookEffect {
  return ({ extraVars, jobType }) => {
    const fail = (task: string, msg: string): { failure: FakeAapFailure } => ({ failure: { host, task, msg } });
    const plan = readPlan(extraVars);
    if (typeof plan === "string") return fail("Validate the request", plan);
    const shareNode = fs.resolve(plan.share);
    if (!shareNode?.node || shareNode.node.type !== "DIRECTORY" || !shareNode.isMount) {
      return fail("Validate the request", `Refusing: ${plan.share} is not a directory with a canonical path.`);
    }
    for (const name of plan.folders) {
      const r = fs.resolve(`${plan.share}/${name}`);
      if (r?.node && (r.node.type !== "DIRECTORY" || r.isMount)) {
        return fail("Validate the request", `Refusing ${JSON.stringify(name)}: it must be a plain directory directly inside ${plan.share}.`);
      }
    }
    if (jobType !== "run") return undefined;
    // `file: state=absent` on a path that changed into a mount since the checks fails; the fake just skips it.
    const remove = (n: string) => {
      try {
        fs.removePath(`${plan.share}/${n}`);
      } catch {
        /* a dataset mount point: rm cannot remove it */
      }
    };
    if (!plan.restore) return { apply: () => plan.folders.forEach(remove) };
    const snapshotId = `${shareNode.ds.id}@${plan.snapshot ?? ""}`;
    if (!fs.snapshots.has(snapshotId)) return fail("Validate the request", `No snapshot ${plan.snapshot} under ${plan.share}/.zfs/snapshot/.`);
    return {
      apply: () => plan.folders.forEach((n) => fs.exists(`${plan.share}/${n}`) || fs.restorePath(`${plan.share}/${n}`, snapshotId)),
    };
  };
}

function readPlan(v: Record<string, unknown>): Plan | string {
  const share = v.cleanup_share ?? "/mnt/Media/docker-media";
  const folders = v.cleanup_folders;
  const pattern = typeof v.cleanup_pattern === "string" ? v.cleanup_pattern : DEFAULT_PATTERN;
  if (typeof share !== "string" || !/^\/[A-Za-z0-9._/-]+$/.test(share) || share.split("/").some((s) => s === "." || s === "..")) {
    return "Refusing the request: cleanup_share must be an absolute, normalised path.";
  }
  if (!Array.isArray(folders) || folders.length === 0 || folders.length > 50) return "Refusing the request: cleanup_folders must be a list of 1 to 50 folder names.";
  for (const item of folders) {
    const ok = typeof item === "string" && !["", ".", ".."].includes(item) && !/[/\\\0%]/.test(item) && SAFE.test(item) &&
      new RegExp(pattern).test(item) && folders.filter((x) => x === item).length === 1;
    if (!ok) return `Refusing folder ${JSON.stringify(item)}: only bare, unique folder names matching ${pattern} can be touched.`;
  }
  const restore = v.cleanup_action === "restore";
  const snapshot = v.cleanup_snapshot;
  if (restore && (typeof snapshot !== "string" || !/^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,254}$/.test(snapshot))) return `Refusing snapshot name ${JSON.stringify(snapshot)}.`;
  return { share: share.replace(/\/+$/, ""), folders: folders as string[], restore, snapshot: restore ? (snapshot as string) : undefined };
}
