import { LAB_DOMAIN, LAB_HOSTS } from "../homelab.ts";
import { addRec, DEVICE_MODELS, findRec, Link, NOTES, recsOfType, SEED_TIME, type Dict, type Rec, type RecStore } from "./model.ts";

/** The seeded homelab (lab/homelab.ts) as statuses, location, cluster, devices, VMs, IPs and services. */
export function seedInventory(st: RecStore): void {
  const t = { created: SEED_TIME, last_updated: SEED_TIME };
  const primary = { ...t, notes_url: NOTES, custom_fields: {}, tags: [] as Link[] };
  const statuses = ["Active", "Planned", "Staged", "Offline", "Decommissioning"].map((name) =>
    addRec(st, "extras.status", name, name, {
      content_types: ["dcim.device", "virtualization.virtualmachine", "dcim.location", "ipam.ipaddress"],
      name, color: name === "Active" ? "4caf50" : "9e9e9e", description: "", ...primary,
    }),
  );
  const active = new Link(statuses[0]!.id);
  const siteType = addRec(st, "dcim.locationtype", "Site", "Site", { name: "Site", parent: null, nestable: false, content_types: ["dcim.device", "virtualization.cluster"], description: "", ...primary });
  const location = addRec(st, "dcim.location", "Homelab", "Homelab", {
    location_type: new Link(siteType.id), parent: null, status: active, name: "Homelab", description: "", facility: "", time_zone: null, tenant: null, ...primary,
  });
  const pveType = addRec(st, "virtualization.clustertype", "Proxmox", "Proxmox", { name: "Proxmox", description: "", ...primary });
  const cluster = addRec(st, "virtualization.cluster", "pve", "pve", {
    cluster_type: new Link(pveType.id), cluster_group: null, tenant: null, location: new Link(location.id), name: "pve", comments: "", ...primary,
  });
  const lxcTag = addRec(st, "extras.tag", "lxc", "lxc", { name: "lxc", color: "2196f3", description: "Proxmox LXC container", content_types: ["virtualization.virtualmachine"], ...primary });
  const manufacturer = addRec(st, "dcim.manufacturer", "Generic", "Generic", { name: "Generic", description: "", ...primary });
  const named = (type: string, name: string, extra: Dict) =>
    findRec(st, type, name) ?? addRec(st, type, name, name, { name, ...extra, ...primary });

  for (const h of LAB_HOSTS) {
    const isDevice = h.kind === "device";
    const hostType = isDevice ? "dcim.device" : "virtualization.virtualmachine";
    const role = named("extras.role", h.role, { color: "9e9e9e", weight: null, description: "", content_types: ["dcim.device", "virtualization.virtualmachine"] });
    const platform = named("dcim.platform", h.platform, { manufacturer: null, network_driver: "", napalm_driver: "", napalm_args: null, description: "" });
    const ip = addRec(st, "ipam.ipaddress", h.ip, `${h.ip}/24`, {
      address: `${h.ip}/24`, host: h.ip, mask_length: 24, type: { value: "host", label: "Host" }, ip_version: 4,
      status: active, role: null, parent: null, tenant: null, dns_name: `${h.name}.${LAB_DOMAIN}`, description: "", nat_inside: null, ...primary,
    });
    const common = {
      status: active, role: new Link(role.id), platform: new Link(platform.id), tenant: null,
      primary_ip4: new Link(ip.id), primary_ip6: null, comments: "", software_version: null,
      local_config_context_schema: null, local_config_context_data: null,
      local_config_context_data_owner_content_type: null, local_config_context_data_owner_object_id: null,
    };
    let host: Rec;
    if (isDevice) {
      const model = DEVICE_MODELS[h.role] ?? "Generic Server";
      // Device types have a `model`, not a `name`.
      const deviceType =
        recsOfType(st, "dcim.devicetype").find((r) => r.fields.model === model) ??
        addRec(st, "dcim.devicetype", model, model, { manufacturer: new Link(manufacturer.id), model, part_number: "", u_height: 1, is_full_depth: false, comments: "", ...primary });
      host = addRec(st, hostType, h.name, h.name, {
        name: h.name, serial: "", asset_tag: null, position: null, face: null, device_type: new Link(deviceType.id),
        location: new Link(location.id), rack: null, cluster: h.role === "hypervisor" ? new Link(cluster.id) : null,
        virtual_chassis: null, vc_position: null, vc_priority: null, device_redundancy_group: null,
        device_redundancy_group_priority: null, secrets_group: null, controller_managed_device_group: null,
        ...common, ...primary,
      });
    } else {
      const resources = h.kind === "vm" ? { vcpus: 4, memory: 8192, disk: 64 } : { vcpus: 2, memory: 2048, disk: 16 };
      host = addRec(st, hostType, h.name, h.name, {
        cluster: new Link(cluster.id), name: h.name, ...resources, ...common, ...primary,
        tags: h.kind === "lxc" ? [new Link(lxcTag.id)] : [],
      });
    }
    for (const s of h.services) addService(st, host, s.name, s.protocol, s.ports);
  }
}

function addService(st: RecStore, host: Rec, name: string, protocol: string, ports: number[]): void {
  const onDevice = host.type === "dcim.device";
  addRec(st, "ipam.service", `${host.fields.name}:${name}`, `${name} (${protocol.toUpperCase()}/${ports.join(", ")})`, {
    device: onDevice ? new Link(host.id) : null,
    virtual_machine: onDevice ? null : new Link(host.id),
    name, protocol: { value: protocol, label: protocol.toUpperCase() }, ports, description: "", ip_addresses: [],
    created: SEED_TIME, last_updated: SEED_TIME, notes_url: NOTES, custom_fields: {}, tags: [],
  });
}
