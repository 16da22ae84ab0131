import { z } from "zod";

/** The runner's name becomes an Ansible limit: never a name Ansible reads as a group (`all` is every host). */
const hostName = z
  .string()
  .regex(/^[a-z][a-z0-9-]{0,62}$/, "a host name: lowercase letters, digits and -, starting with a letter")
  .refine((n) => !["all", "ungrouped", "localhost"].includes(n), "a host name, not all, ungrouped or localhost (Ansible reads those as groups)");
const nodeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]*$/, "a Proxmox node name");

/** `/runner create [name] [--node N]` */
export const runnerCreateArgs = z.object({
  name: hostName.optional().describe("Runner name (default: next free <prefix>NN)"),
  node: nodeName.optional().describe("Proxmox node (default: the least loaded)"),
});

/** `/runner status` */
export const runnerStatusArgs = z.object({});

/** `/runner destroy <name>` */
export const runnerDestroyArgs = z.object({
  name: hostName.describe("Runner name"),
});
