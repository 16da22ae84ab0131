/**
 * The simulated homelab every fake serves: one source of hosts, roles, addresses and services,
 * so Nautobot, AAP's inventory, Proxmox and TrueNAS agree with each other.
 */
export interface LabHost {
  name: string;
  kind: "device" | "vm" | "lxc";
  role: string;
  ip: string;
  platform: string;
  /** Proxmox node that hosts a VM or LXC. */
  node?: string | undefined;
  vmid?: number | undefined;
  services: { name: string; protocol: "tcp" | "udp"; ports: number[] }[];
}

export const LAB_DOMAIN = "lab.home.arpa";

/** The repository the lab's runners are registered in (github.runnerScope; the GitHub Runner Token credential's URL path). */
export const LAB_GITHUB_SCOPE = "homelab/infra";

export const LAB_HOSTS: LabHost[] = [
  { name: "pve01", kind: "device", role: "hypervisor", ip: "10.20.0.11", platform: "proxmox", services: [{ name: "pve-api", protocol: "tcp", ports: [8006] }] },
  { name: "pve02", kind: "device", role: "hypervisor", ip: "10.20.0.12", platform: "proxmox", services: [{ name: "pve-api", protocol: "tcp", ports: [8006] }] },
  { name: "pve03", kind: "device", role: "hypervisor", ip: "10.20.0.13", platform: "proxmox", services: [{ name: "pve-api", protocol: "tcp", ports: [8006] }] },
  { name: "truenas01", kind: "device", role: "storage", ip: "10.20.0.20", platform: "truenas", services: [{ name: "truenas-api", protocol: "tcp", ports: [443] }, { name: "nfs", protocol: "tcp", ports: [2049] }] },
  { name: "sw-core01", kind: "device", role: "switch", ip: "10.20.0.2", platform: "routeros", services: [{ name: "ssh", protocol: "tcp", ports: [22] }] },
  { name: "fw01", kind: "device", role: "firewall", ip: "10.20.0.1", platform: "opnsense", services: [{ name: "https", protocol: "tcp", ports: [443] }, { name: "dns", protocol: "udp", ports: [53] }] },
  { name: "edge01", kind: "vm", role: "docker-host", ip: "10.20.10.10", platform: "debian", node: "pve01", vmid: 110, services: [{ name: "traefik", protocol: "tcp", ports: [80, 443, 8080] }] },
  { name: "docker01", kind: "vm", role: "docker-host", ip: "10.20.10.11", platform: "debian", node: "pve01", vmid: 111, services: [{ name: "portainer", protocol: "tcp", ports: [9443] }, { name: "grafana", protocol: "tcp", ports: [3000] }, { name: "uptime-kuma", protocol: "tcp", ports: [3001] }] },
  { name: "docker02", kind: "vm", role: "docker-host", ip: "10.20.10.12", platform: "debian", node: "pve02", vmid: 112, services: [{ name: "jellyfin", protocol: "tcp", ports: [8096] }, { name: "nextcloud", protocol: "tcp", ports: [8081] }, { name: "vaultwarden", protocol: "tcp", ports: [8082] }] },
  { name: "nautobot01", kind: "vm", role: "automation", ip: "10.20.10.20", platform: "debian", node: "pve02", vmid: 120, services: [{ name: "nautobot", protocol: "tcp", ports: [443] }] },
  { name: "aap01", kind: "vm", role: "automation", ip: "10.20.10.21", platform: "rhel", node: "pve03", vmid: 121, services: [{ name: "aap", protocol: "tcp", ports: [443] }] },
  { name: "ocp-sno01", kind: "vm", role: "openshift", ip: "10.20.10.30", platform: "rhcos", node: "pve03", vmid: 130, services: [{ name: "ocp-api", protocol: "tcp", ports: [6443] }] },
  { name: "dns01", kind: "lxc", role: "dns", ip: "10.20.10.53", platform: "debian", node: "pve01", vmid: 153, services: [{ name: "dns", protocol: "udp", ports: [53] }] },
  { name: "runner01", kind: "lxc", role: "ci-runner", ip: "10.20.10.61", platform: "debian", node: "pve02", vmid: 161, services: [] },
  { name: "backup01", kind: "lxc", role: "backup", ip: "10.20.10.70", platform: "debian", node: "pve03", vmid: 170, services: [{ name: "restic-rest", protocol: "tcp", ports: [8000] }] },
];

/** Proxmox cluster nodes and the LXC templates they hold. */
export const LAB_NODES = ["pve01", "pve02", "pve03"] as const;
export const LAB_LXC_TEMPLATE = "local:vztmpl/debian-12-standard_12.7-1_amd64.tar.zst";

/** TrueNAS share holding the Docker apps' config folders; old OpenShift (OCP) folders linger there. */
export const LAB_SHARE = { dataset: "Media/docker-media", mountpoint: "/mnt/Media/docker-media" } as const;

export const LAB_TOKENS = {
  aap: "lab-aap-token-0000000000000000",
  nautobot: "0123456789abcdef0123456789abcdef01234567",
  proxmox: "labops@pve!bot=00000000-0000-4000-8000-000000000000",
  truenas: "1-labtruenaskey0000000000000000000000000000000000000000000000000",
} as const;
