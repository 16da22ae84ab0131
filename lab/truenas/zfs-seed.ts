/** The seeded homelab pools of the fake TrueNAS (see fake-truenas.ts's file comment). */
import { LAB_SHARE } from "../homelab.ts";
import { day, dir, FakeZfs, file } from "./fake-zfs.ts";

export const OCP_FOLDER_PATTERN = /^ocp-[a-z0-9]+(?:-[a-z0-9]+)*-\d{4}-\d{2}-\d{2}$/;
export const SEED_OCP = {
  plain: ["ocp-sno01-2025-03-14", "ocp-sno01-2025-06-02"],
  dataset: "ocp-lab-2024-11-30",
  symlink: "ocp-sno01-2024-09-10",
  symlinkTarget: "/mnt/Media/backups/ocp-keep",
} as const;
export const SEED_APPS = ["traefik", "portainer", "grafana", "jellyfin", "nextcloud", "vaultwarden", "uptime-kuma"] as const;


/** The seeded homelab pools (see the file comment). */
export function seedZfs(zfs = new FakeZfs()): FakeZfs {
  const recent = day("2025-11-20");
  const app = (files: Record<string, number>) => dir(recent, Object.fromEntries(Object.entries(files).map(([k, v]) => [k, file(v, recent)])));
  const ocp = (date: string) =>
    dir(day(date), {
      "install-config.yaml": file(3_412, day(date)),
      "metadata.json": file(388, day(date)),
      auth: dir(day(date), { kubeconfig: file(12_050, day(date)), "kubeadmin-password": file(23, day(date)) }),
    });
  zfs.addDataset("Media", dir(day("2024-01-10")));
  zfs.addDataset("Media/backups", dir(day("2024-01-10"), { "ocp-keep": ocp("2024-09-10") }));
  zfs.addDataset(LAB_SHARE.dataset, dir(recent, {
    traefik: dir(recent, { "traefik.yml": file(2_048, recent), "acme.json": file(49_152, recent), dynamic: app({ "routers.yml": 1_536 }) }),
    portainer: dir(recent, { "portainer.db": file(1_258_291, recent), certs: app({ "cert.pem": 1_900, "key.pem": 1_704 }) }),
    grafana: dir(recent, { "grafana.db": file(26_214_400, recent), plugins: dir(recent) }),
    jellyfin: dir(recent, { config: app({ "system.xml": 5_120 }), cache: dir(recent) }),
    nextcloud: dir(recent, { config: app({ "config.php": 2_300 }), data: dir(recent) }),
    vaultwarden: app({ "db.sqlite3": 3_145_728, "rsa_key.pem": 1_675 }),
    "uptime-kuma": app({ "kuma.db": 8_388_608 }),
    [SEED_OCP.plain[0]]: ocp("2025-03-14"),
    [SEED_OCP.plain[1]]: ocp("2025-06-02"),
    [SEED_OCP.symlink]: { type: "SYMLINK", mtime: day("2024-09-10"), size: SEED_OCP.symlinkTarget.length, target: SEED_OCP.symlinkTarget },
  }));
  zfs.addDataset(`${LAB_SHARE.dataset}/${SEED_OCP.dataset}`, ocp("2024-11-30"));
  zfs.snapshot(LAB_SHARE.dataset, "auto-2025-11-01_00-00", true);
  return zfs;
}
